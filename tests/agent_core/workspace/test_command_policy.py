"""The command policy: installs run, everything else needs permission, nothing needs a shell."""

from __future__ import annotations

import pytest

from agent_core.errors import CommandRefused
from agent_core.workspace import CommandPolicy, PlannedCommand
from agent_core.workspace.commands import split_commands


def install(*argv: str, cwd: str = ".") -> PlannedCommand:
    return PlannedCommand(argv, cwd, "install")


def start(*argv: str, cwd: str = ".") -> PlannedCommand:
    return PlannedCommand(argv, cwd, "start")


ALLOWED = [
    ("npm install", [install("npm", "install")]),
    ("npm i", [install("npm", "i")]),
    ("npm ci --no-audit", [install("npm", "ci", "--no-audit")]),
    (
        "npm install react-router-dom @tanstack/react-query@^5.0.0 lucide-react@latest",
        [
            install(
                "npm",
                "install",
                "react-router-dom",
                "@tanstack/react-query@^5.0.0",
                "lucide-react@latest",
            )
        ],
    ),
    (
        "npm add -D tailwindcss@3.4.1 --legacy-peer-deps --no-fund",
        [install("npm", "add", "-D", "tailwindcss@3.4.1", "--legacy-peer-deps", "--no-fund")],
    ),
    ("npm i --save-dev vite", [install("npm", "i", "--save-dev", "vite")]),
    ("npm i 'react@>=18 <19'", [install("npm", "i", "react@>=18 <19")]),
    ("npm run dev", [start("npm", "run", "dev")]),
    ("npm start", [start("npm", "start")]),
    ("npm run dev -- --host 127.0.0.1", [start("npm", "run", "dev", "--", "--host", "127.0.0.1")]),
    ("npm run dev --host", [start("npm", "run", "dev", "--", "--host")]),
    ("npx vite --port 5173", [start("npx", "vite", "--port", "5173")]),
    ("vite", [start("vite")]),
    (
        "npm install && npm run dev",
        [install("npm", "install"), start("npm", "run", "dev")],
    ),
    (
        "npm install react; npm install -D vite\nnpm run dev",
        [
            install("npm", "install", "react"),
            install("npm", "install", "-D", "vite"),
            start("npm", "run", "dev"),
        ],
    ),
    (
        "cd frontend && npm install\nnpm run dev",
        [install("npm", "install", cwd="frontend"), start("npm", "run", "dev", cwd="frontend")],
    ),
    ("cd app/web && cd .. && npm i", [install("npm", "i", cwd="app")]),
    ("npm install \\\n  react \\\n  react-dom", [install("npm", "install", "react", "react-dom")]),
    ("# install the dependencies\nnpm install  # all of them", [install("npm", "install")]),
    ("", []),
    ("cd src", []),
]


@pytest.mark.parametrize(("command", "planned"), ALLOWED)
def test_automatically_allowed(command: str, planned: list[PlannedCommand]) -> None:
    assert CommandPolicy().plan(command) == planned


REFUSED = [
    (
        "rm -rf /",
        "refused to run 'rm -rf /': only dependency installs run automatically; "
        "allow it with --allow-command 'rm' or in Settings",
    ),
    ("npm install x; rm -rf ~", "refused to run 'rm -rf ~': only dependency installs run"),
    ("npm install x && curl http://evil.sh", "refused to run 'curl http://evil.sh'"),
    ("npm install $(curl http://evil.sh)", "command substitution with $( ) is not supported"),
    ("npm install `curl http://evil.sh`", "command substitution with backticks"),
    ("npm install $PKG", "shell variables like $HOME are not expanded"),
    ("npm install ${PKG}", "shell variables like $HOME are not expanded"),
    ("npm install 'a;b'", "'a;b' is not a package from the npm registry"),
    ("npm install x | sh", "pipes (|) are not supported"),
    ("npm install x || rm -rf ~", "'||' is not supported"),
    ("npm install x > /etc/passwd", "redirections (<, >) are not supported"),
    ("npm install x 2>&1", "redirections (<, >) are not supported"),
    ("npm install < list.txt", "redirections (<, >) are not supported"),
    ("npm run dev &", "running in the background (&) is not supported"),
    ("(npm install)", "parentheses and subshells are not supported"),
    ("NODE_ENV=production npm install", "setting environment variables like 'NODE_ENV=production'"),
    ("npm install 'unclosed", "unbalanced quotes"),
    (
        "cd .. && npm install",
        "refused to run 'cd ..': cd may only enter folders inside the project",
    ),
    ("cd /tmp && npm install", "cd may only enter folders inside the project"),
    ("cd ~ && npm install", "cd may only enter folders inside the project"),
    ("cd a/../../x", "cd may only enter folders inside the project"),
    ("cd", "cd needs exactly one folder"),
    ("npm install git+https://github.com/a/b.git", "is not a package from the npm registry"),
    ("npm install https://example.com/pkg.tgz", "is not a package from the npm registry"),
    ("npm install github:user/repo", "is not a package from the npm registry"),
    ("npm install file:../pkg", "is not a package from the npm registry"),
    ("npm install ./local-pkg", "is not a package from the npm registry"),
    ("npm install user/repo", "is not a package from the npm registry"),
    ("npm install pkg.tgz", "is not a package from the npm registry"),
    ("npm install alias@npm:react", "is not a package from the npm registry"),
    ("npm install -g vite", "the option '-g' is not allowed in automatic installs"),
    ("npm i --registry=http://evil x", "the option '--registry=http://evil' is not allowed"),
    ("npm ci react", "npm ci installs what package-lock.json lists and takes no package names"),
    ("npm run", "npm run needs the name of a script from package.json"),
    ("npm run dev -- --config=$(id)", "command substitution"),
    ("npm run dev -- '--a b'", "the argument '--a b' contains characters not allowed"),
    ("npx create-vite@latest app", "allow it with --allow-command 'npx create-vite@latest'"),
    ("npm uninstall react", "allow it with --allow-command 'npm uninstall'"),
    ("yarn add react", "allow it with --allow-command 'yarn add'"),
    ("sudo npm install", "allow it with --allow-command 'sudo'"),
    ("bash -c 'npm install'", "allow it with --allow-command 'bash'"),
]


@pytest.mark.parametrize(("command", "message"), REFUSED)
def test_refused_with_a_reason(command: str, message: str) -> None:
    with pytest.raises(CommandRefused) as caught:
        CommandPolicy().plan(command)
    assert message in str(caught.value)


def test_one_refused_part_refuses_the_whole_text() -> None:
    with pytest.raises(CommandRefused, match="refused to run 'ls'"):
        CommandPolicy().plan("npm install react && ls")


def test_user_prefixes_match_whole_words() -> None:
    policy = CommandPolicy(["npx prisma", "node scripts/seed.js"])
    assert policy.plan("npx prisma migrate dev") == [
        PlannedCommand(("npx", "prisma", "migrate", "dev"), ".", "other")
    ]
    assert policy.plan("node scripts/seed.js --reset")[0].argv[-1] == "--reset"
    for command in ("npx prismatic", "npx", "node scripts/seed.jsx", "node"):
        with pytest.raises(CommandRefused):
            policy.plan(command)


def test_user_prefix_can_allow_an_unusual_install_which_keeps_its_kind() -> None:
    policy = CommandPolicy(["npm install"])
    assert policy.plan("npm install github:user/repo") == [
        install("npm", "install", "github:user/repo")
    ]


def test_allow_any_still_needs_no_shell() -> None:
    policy = CommandPolicy(allow_any=True)
    assert policy.plan("rm -rf dist && echo 'a;b'") == [
        PlannedCommand(("rm", "-rf", "dist"), ".", "other"),
        PlannedCommand(("echo", "a;b"), ".", "other"),
    ]
    for command in ("cat x | sh", "echo hi > f", "echo $(id)", "A=1 env", "cd .. && ls"):
        with pytest.raises(CommandRefused):
            policy.plan(command)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("npm install 'a;b' \"c d\"", [["npm", "install", "a;b", "c d"]]),
        ("a&&b;c\nd", [["a"], ["b"], ["c"], ["d"]]),
        ("a # comment; rm -rf ~", [["a"]]),
        ("a b#c", [["a", "b#c"]]),
        (" ; && ", []),
    ],
)
def test_split_commands_uses_shell_words(text: str, words: list[list[str]]) -> None:
    assert split_commands(text) == words
