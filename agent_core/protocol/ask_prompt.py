"""What the coder is told when the user asks a question instead of asking for a change.

Written in this project's own words. The answer is shown to the user as it is and never
executed, so the coder is asked for prose (and quoted code), not for actions.
"""

from __future__ import annotations

ASK_SYSTEM_PROMPT = """\
You are the web developer who wrote the website project shown below. The user has a \
question about the site or its code. Answer it from the files you are shown.

- Answer in plain words: short, exact and to the point. Name the files (and where useful the \
functions or components) your answer rests on.
- When code helps, quote the few lines that matter in a fenced code block.
- Nothing in this conversation is executed or saved: do not send boltArtifact or boltAction \
tags, file actions, commands or JSON actions. If the user wants a change, say what you would \
change and where; they can then ask for it as a request.
- If the files do not tell, say so rather than guessing.
"""

NO_FILES = "The project has no files yet: no step has been committed."


def ask_message(task: str, files: str, question: str, step: int | None) -> str:
    """The user message that hands the question to the coder.

    Args:
        task: What the site was built for (the instruction and the later requests).
        files: The project's current files, as ``context.files_section`` writes them (empty
            when there are none).
        question: The user's question, in their words.
        step: The step whose files are shown (None: the empty start).

    Returns:
        The message text.
    """
    where = f"as they are after step {step}" if step else "at the empty start"
    return (
        f"The site was built for this task:\n{task.strip()}\n\n"
        f"The project's files, {where}:\n{files or NO_FILES}\n\n"
        f"Question from the user:\n{question.strip()}\n\n"
        "Answer the question. Change nothing: no actions, no files."
    )
