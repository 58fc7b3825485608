"""What the coder model is told: the reply format, the house rules, and the recurring texts.

Written in this project's own words. Kept short on purpose (well under 1,200 tokens) so that
local models with small contexts keep room for the files themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent_core.protocol.actions import ParseIssue
from agent_core.protocol.element_ref import request_words

_INTRO = """\
You are a web developer who builds complete, working websites. Your replies are executed by a \
tool: files you write are saved into an empty project folder, commands are run, the \
development server is started, and you then receive a screenshot review and test results.
"""

_TEXT_FORMAT = """
REPLY FORMAT
Put all work of a reply inside one artifact:

<boltArtifact id="short-kebab-id" title="Short title">
<boltAction type="file" filePath="package.json">
...the complete file...
</boltAction>
<boltAction type="file" filePath="src/App.jsx">
...the complete file...
</boltAction>
<boltAction type="shell">npm install</boltAction>
<boltAction type="start">npm run dev</boltAction>
</boltArtifact>

- filePath is relative to the project folder (e.g. src/main.jsx), never absolute and never \
inside node_modules.
- A file action always holds the WHOLE file, from the first line to the last. Never send a \
diff, a fragment, or a placeholder such as "rest unchanged" or "...": whatever you write \
replaces the file completely.
- To change a few lines of a file that already exists, an edit action is shorter:
<boltAction type="edit" filePath="src/App.jsx">
<<<<<<< SEARCH
the exact lines as they are now (they must occur once in the file)
=======
the lines that replace them
>>>>>>> REPLACE
</boltAction>
- Close every action with </boltAction>. Write content as plain text, not escaped and not \
wrapped in markdown fences.
- Short explanations outside the artifact are fine but optional.
"""

_STRUCTURED_FORMAT = """
REPLY FORMAT
Reply with one JSON object and nothing else:
{"message": "one short sentence", "actions": [ ...actions, in order... ]}
The actions:
{"type": "file", "path": "src/App.jsx", "content": "the WHOLE file"}
{"type": "edit", "path": "src/App.jsx", "search": "exact lines now in the file", \
"replace": "the lines that replace them"}
{"type": "shell", "command": "npm install"}
{"type": "start", "command": "npm run dev"}
{"type": "screenshot_validated"}
{"type": "finish"}
- path is relative to the project folder (e.g. src/main.jsx), never absolute.
- A file action holds the whole file, never a diff or a placeholder. An edit's search text \
must occur exactly once in the file.
- Where a message below shows a <boltAction type="..."> tag, send the JSON action of that \
type instead.
"""

_RULES = """
PROJECT RULES
- Use Vite (React is a good choice). Declare every dependency in package.json first, then run \
a shell action with npm install.
- Start the site with a start action: npm run dev. The dev script must run Vite.
- Only npm install, npm i and npm ci run automatically; other shell commands are refused \
unless the user allowed them. Do not scaffold with generators; write the files yourself.
- Keep the site self-contained: no external APIs that need keys or accounts. Use realistic \
mock data stored in the code or in localStorage.
- If the site needs a login, create this user in the seed data: username admin, password \
admin123456, email admin@example.com.
- Make the site complete and polished: every page, button and form the task asks for should \
work, and the layout should look good at 1024x768.

AFTER FEEDBACK
Each feedback message reports the install and server results and describes a screenshot of \
the site.
- If something is wrong or missing, fix it by sending the complete corrected files (or edits).
- If the screenshot shows the site as it should look, reply with only:
<boltArtifact id="check" title="Screenshot validated">
<boltAction type="screenshot_validated"/>
</boltArtifact>
The site is then tested by clicking through it, and you get the test results.
- When the tests show that everything works and nothing is left to do, reply with only:
<boltArtifact id="done" title="Finished">
<boltAction type="finish"/>
</boltArtifact>
Never send finish in a reply that still edits files; finish ends the work immediately.
"""

SYSTEM_PROMPT = _INTRO + _TEXT_FORMAT + _RULES
"""The coder's system prompt for the Bolt tag format (``reply_format`` text)."""

STRUCTURED_SYSTEM_PROMPT = _INTRO + _STRUCTURED_FORMAT + _RULES
"""The coder's system prompt for JSON replies constrained by a schema."""


def system_prompt(reply_format: str) -> str:
    """The coder's system prompt for ``text`` or ``structured`` replies."""
    return STRUCTURED_SYSTEM_PROMPT if reply_format == "structured" else SYSTEM_PROMPT


def first_user_message(instruction: str) -> str:
    """The opening user message that hands the task to the coder.

    Args:
        instruction: The user's description of the website.

    Returns:
        The message text.
    """
    return (
        "Build the following website.\n\n"
        f"{instruction.strip()}\n\n"
        "Reply with one <boltArtifact> that writes every file of the project in full, "
        "installs the dependencies with npm install and starts the site with npm run dev."
    )


def follow_up_message(request: str) -> str:
    """The user's follow-up request, appended to the message before the coder's next reply.

    Args:
        request: What the user asks to change or add, in their words.

    Returns:
        The message text.
    """
    return (
        "New request from the user:\n"
        f"{request.strip()}\n\n"
        "Change the project to do this. Keep what already works, and restate every file "
        "you touch in full."
    )


def effective_instruction(instruction: str, requests: Iterable[str]) -> str:
    """The original instruction followed by the user's follow-up requests, in order.

    Args:
        instruction: The run's first instruction.
        requests: Follow-up requests along the current conversation (a request about a
            picked element is shortened to its words and the element's name).

    Returns:
        The text the feedback reminders and the GUI test work from.
    """
    extra = [request_words(r).strip() for r in requests if r.strip()]
    if not extra:
        return instruction
    listed = "\n".join(f"- {r}" for r in extra)
    return f"{instruction.strip()}\n\nLater requests from the user:\n{listed}"


def reminder(instruction: str) -> str:
    """The text that ends every feedback message: the task again and the whole-file rule.

    Args:
        instruction: The user's description of the website.

    Returns:
        The reminder text.
    """
    return (
        "Reminder of the task:\n"
        f"{instruction.strip()}\n\n"
        "Every file action must contain the whole file, never a diff or a placeholder. "
        "Send finish only when nothing is left to edit."
    )


def protocol_error_feedback(issues: Iterable[ParseIssue | str]) -> str:
    """Tell the coder what was wrong with the format of its last reply.

    Args:
        issues: Parse issues (or their messages) of the last reply.

    Returns:
        A short text for the feedback message, or ``""`` when there were no issues.
    """
    lines = [f"- {i.message if isinstance(i, ParseIssue) else i}" for i in issues]
    if not lines:
        return ""
    return (
        "Your last reply did not follow the reply format:\n"
        + "\n".join(lines)
        + "\nActions that were not taken must be sent again. Wrap actions in one "
        '<boltArtifact>, give every action a type (and file actions a filePath="..."), '
        "and end each one with </boltAction>."
    )
