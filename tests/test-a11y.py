#!/usr/bin/python3
# test-a11y.py: the review window as a screen reader sees it, through AT-SPI.
#
# Starts the real countersign-server ($CS_SERVER_BIN) with a queue and a few
# cases, then the real application ($CS_APP_BIN) against it with the AT-SPI
# bridge on, and walks the accessible tree with pyatspi the way Orca would:
# every control of the decision panel, the queue and the sync status must be
# there with its role and a name. A missing one fails the test, listing the
# nearest names that were found.
#
# Runs inside a session bus and a display (tools/test: dbus-run-session and
# xvfb-run); it starts the accessibility bus itself (GTK48-NOTES.md). Set
# CS_A11Y_DUMP=1 to print the whole tree.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import difflib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

QUEUE = "derm"
QUEUE_JSON = {
    "title": "Dermatology triage",
    "labels": ["melanoma", "nevus", "keratosis", "other"],
    "policy": {"rationale_required": ["override", "reject"], "min_rationale_chars": 10},
    "routing": {"confidence_threshold": 0.99},
}
TITLES = ["Referral note 1", "Referral note 2", "Claim 4711"]
DEADLINE_S = 40


class Failure(Exception):
    pass


def log(*args):
    print(*args, flush=True)


# The server

def start_server(data_dir):
    server = subprocess.Popen(
        [os.environ["CS_SERVER_BIN"], "serve", "--data", data_dir, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([server.stdout], [], [], 20)
    line = server.stdout.readline().strip() if ready else ""
    if not line.startswith("listening on "):
        raise Failure(f"countersign-server did not say where it listens (it said “{line}”)")
    return server, line[len("listening on "):]


def create_token(data_dir, name, role, queues=None, display_name=None):
    argv = [os.environ["CS_SERVER_BIN"], "token", "--data", data_dir, "create", name, "--role", role]
    if queues:
        argv += ["--queues", queues]
    if display_name:
        argv += ["--display-name", display_name]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def http(url, method, path, token, body):
    request = urllib.request.Request(url.rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def post_cases(url, admin, model):
    http(url, "PUT", f"/api/v1/queues/{QUEUE}", admin, QUEUE_JSON)
    for i, title in enumerate(TITLES):
        if title.startswith("Claim"):
            subject = {"kind": "tabular", "title": title,
                       "fields": {"amount": "412.50", "country": "FR"}}
        else:
            subject = {"kind": "text", "title": title,
                       "text": f"Referral {i}: the mole has grown and bled twice."}
        answer = http(url, "POST", "/api/v1/predictions", model, {
            "queue": QUEUE, "subject": subject,
            "model": {"name": "derm-classifier", "version": "2.3.1"},
            "prediction": {"label": "melanoma", "confidence": 0.5 + i * 0.1},
        })
        if answer.get("routed") != "escalated":
            raise Failure(f"the server did not escalate “{title}”: {answer}")


# The accessible tree

def walk(node, depth=0, out=None):
    """Every accessible below @node, as (role name, name, object, depth)."""
    if out is None:
        out = []
    if node is None:
        return out
    try:
        out.append((node.getRoleName(), node.name or "", node, depth))
        children = [node.getChildAtIndex(i) for i in range(node.childCount)]
    except Exception:   # the widget went away while we looked
        return out
    for child in children:
        walk(child, depth + 1, out)
    return out


def find_app(pyatspi, pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:
            continue
    return None


def wait_until(what, condition, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise Failure(f"timed out after {seconds} s waiting for {what}")


def has(nodes, roles, name, exact=True):
    for role, found, _, _ in nodes:
        if role in roles and (found == name if exact else name in found):
            return True
    return False


def nearest(nodes, roles, name):
    names = sorted({f"{role} “{found}”" for role, found, _, _ in nodes if found})
    close = difflib.get_close_matches(f"{roles[0]} “{name}”", names, n=5, cutoff=0.3)
    return f"nearest: {', '.join(close) or 'none'}"


def check(nodes, expected, missing):
    for roles, name, exact in expected:
        if not has(nodes, roles, name, exact):
            missing.append(f"{' or '.join(roles)} named “{name}” ({nearest(nodes, roles, name)})")


def find_node(nodes, roles, name):
    for role, found, node, _ in nodes:
        if role in roles and found == name:
            return node
    return None


def find_button(nodes, label):
    """The button named @label, or else the one whose name holds it."""
    return find_node(nodes, BUTTON, label) or \
        next((node for role, name, node, _ in nodes if role in BUTTON and label in name.split()), None)


def dump(nodes):
    for role, name, _, depth in nodes:
        log(f"{'  ' * depth}{role} “{name}”")


# A name GTK 4.8 falls back to when a widget has none: its type name.
def is_type_name(name):
    return re.fullmatch(r"(Gtk|Adw|Cs)[A-Z][A-Za-z]*", name) is not None


CONTROL_ROLES = {"push button", "toggle button", "check box", "radio button", "combo box", "entry",
                 "text", "spin button", "slider", "password text", "menu item", "link"}


def inside_named_control(node, levels=3):
    """GTK's and libadwaita's own parts of a named control (a drop-down's
    button, a menu button's inner button, a password row's peek button)."""
    try:
        for _ in range(levels):
            node = node.parent
            if node is None:
                return False
            if node.getRoleName() in CONTROL_ROLES and node.name and not is_type_name(node.name):
                return True
    except Exception:
        return False
    return False


def badly_named_controls(nodes):
    """Controls a screen reader would announce without a name, or with one
    that reads wrong: a type name, a mnemonic's underscore, a label twice."""
    found = []
    for role, name, node, _ in nodes:
        if role not in CONTROL_ROLES:
            continue
        if not name or is_type_name(name):
            try:
                parent = node.parent
                same_as_parent = parent is not None and parent.getRoleName() == role and parent.name == name
            except Exception:
                same_as_parent = False
            # A menu button's inner button is told once, with its menu button.
            if not inside_named_control(node) and not same_as_parent:
                found.append(f"a name for {role} “{name}”")
        elif re.search(r"(^|\s)_\w", name) or re.fullmatch(r"(.+) \1", name):
            found.append(f"{role} “{name}” to be named once, without a mnemonic's underscore")
    return found


def speaks(node, text):
    """The item's name, or failing that the text of what it holds (as Orca
    reads a list item), contains @text."""
    for role, name, _, _ in walk(node):
        if text in name and not is_type_name(name):
            return True
    return False


BUTTON = ("push button", "toggle button")
DECISION = [
    (BUTTON, "Accept", True),
    (BUTTON, "Override", True),
    (BUTTON, "Reject", True),
    (BUTTON, "Escalate", True),
    (("push button",), "Countersign", True),
    (("text",), "Rationale", True),
    (BUTTON, "Quick rationales", True),
]
QUEUE_CONTROLS = [
    (("list",), "Cases to review", True),
    (("entry", "text"), "Search cases", True),
    (("combo box",), "Which cases", True),
    (("combo box",), "Sort order", True),
]
WINDOW = [
    (("frame",), "Countersign", True),
    (BUTTON, "Sync status", True),
]
# The queue's labels other than the model's own (which is an accept).
OVERRIDE_LABELS = [(BUTTON, label, True) for label in ("nevus", "keratosis", "other")]


def start_app(argv, env, tmp):
    """Starts the application. Now and then, under Xvfb on this platform, a
    client fails to open the display before it has even connected (the X
    server records no connection from it): that start, and only that one, is
    tried again, at most twice, and said so."""
    for attempt in range(3):
        log_path = os.path.join(tmp, f"app-{attempt}.log")
        log = open(log_path, "w+")
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stderr=log)
        process.log = log
        try:
            status = process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            return process
        log.seek(0)
        messages = log.read()
        sys.stderr.write(messages)
        if status == 0 or "cannot open display" not in messages or attempt == 2:
            return process
        print(f"note: the application could not open the display (start {attempt + 1}); starting it again")
    return process


def app_alive(process):
    """The application under test is still running; if it ended, say so at once."""
    status = process.poll()
    if status is not None:
        log = getattr(process, "log", None)
        if log is not None:
            log.seek(0)
            sys.stderr.write(log.read())
        raise Failure(f"the application ended at start (status {status}); its messages are above")
    return True


def bus_address_known():
    """True once our launcher owns its name on the session bus and gives an
    address in our runtime directory. Asking the name before it has an owner
    would have the session bus start a launcher of its own, elsewhere."""
    def call(*args):
        return subprocess.run(["gdbus", "call", "--session", *args], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=10)

    owned = call("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                 "--method", "org.freedesktop.DBus.NameHasOwner", "org.a11y.Bus")
    if owned.returncode != 0 or "true" not in owned.stdout:
        return False
    address = call("--dest", "org.a11y.Bus", "--object-path", "/org/a11y/bus", "--method", "org.a11y.Bus.GetAddress")
    return address.returncode == 0 and os.environ["XDG_RUNTIME_DIR"] in address.stdout


def run(tmp):
    # A runtime directory of the test's own, set before anything looks for the
    # accessibility bus: the bus puts its socket there, where no other session
    # on this machine can replace it.
    runtime = os.path.join(tmp, "runtime")
    os.makedirs(runtime, mode=0o700)
    os.environ["XDG_RUNTIME_DIR"] = runtime

    server_dir = os.path.join(tmp, "server")
    app_dir = os.path.join(tmp, "app")
    os.makedirs(server_dir)
    os.makedirs(app_dir)
    children = []

    try:
        # The accessibility bus, as a desktop session has it. In a process
        # group of its own, with the bus daemon and registry it starts, so that
        # all of them end with the test (and none keeps meson's pipes open).
        launcher = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
        children.append(launcher)
        wait_until("the accessibility bus", lambda: bus_address_known(), 10)

        # Only now: pyatspi finds the bus when it is imported, and would
        # otherwise have one started elsewhere.
        try:
            import pyatspi
        except ImportError as error:
            raise Failure(f"pyatspi cannot be imported by {sys.executable} ({error}); "
                          "install python3-pyatspi (tools/deps-debian.txt)")

        server, url = start_server(server_dir)
        children.append(server)
        admin = create_token(server_dir, "ops", "admin")
        model = create_token(server_dir, "derm-classifier", "model")
        reviewer = create_token(server_dir, "r-17", "reviewer", QUEUE, "Dr. A. Rivera")
        post_cases(url, admin, model)

        env = dict(os.environ)
        # The test environment turns accessibility off for the in-process UI
        # tests; the application under test must speak AT-SPI.
        env.pop("NO_AT_BRIDGE", None)
        env.pop("GTK_A11Y", None)
        env["COUNTERSIGN_TOKEN"] = reviewer
        app_process = start_app([os.environ["CS_APP_BIN"], "--server", url, "--data-dir", app_dir], env, tmp)
        children.append(app_process)

        app = wait_until("the application on the accessibility bus",
                         lambda: app_alive(app_process) and find_app(pyatspi, app_process.pid), 60)

        def list_items():
            return [node for role, _, node, _ in walk(app) if role == "list item"]

        def cases_shown():
            items = list_items()
            return items if all(any(speaks(item, title) for item in items) for title in TITLES) else None

        try:
            wait_until("the three cases in the queue, each list item telling its title", cases_shown, DEADLINE_S)
        finally:
            nodes = walk(app)
            if os.environ.get("CS_A11Y_DUMP"):
                dump(nodes)

        missing = []
        check(nodes, WINDOW + QUEUE_CONTROLS + DECISION, missing)
        missing += badly_named_controls(nodes)

        # Override, pressed as a screen reader user would: the panel now asks
        # for a rationale, and the queue's other labels are offered by name.
        override = find_button(nodes, "Override")
        accept = find_button(nodes, "Accept")
        if override is None or accept is None:
            missing.append("Override and Accept buttons to press")
        else:
            action = override.queryAction()
            names = [action.getName(i) for i in range(action.nActions)]
            if not names:
                missing.append("an action on the Override button")
            else:
                action.doAction(names.index("click") if "click" in names else 0)

                def asks_for_rationale():
                    now = walk(app)
                    return now if has(now, ("label",), "Rationale required", False) else None

                try:
                    nodes = wait_until("the panel to ask for a rationale after Override", asks_for_rationale, 10)
                except Failure as failure:
                    missing.append(str(failure))
                    nodes = walk(app)
                check(nodes, OVERRIDE_LABELS, missing)
                # … and the chosen action reads as pressed, the others not.
                for node, want in ((override, True), (accept, False)):
                    states = node.getState()
                    pressed = states.contains(pyatspi.STATE_PRESSED) or states.contains(pyatspi.STATE_CHECKED)
                    if pressed != want:
                        missing.append(f"{'the' if want else 'no'} pressed state on “{node.name}” once Override "
                                       "is chosen; it has: " +
                                       ", ".join(pyatspi.stateToString(state) for state in states.getStates()))

        if missing:
            raise Failure("missing from the accessible tree:\n  " + "\n  ".join(missing))
        log(f"ok: {len(nodes)} accessible objects; every control named")
    finally:
        for child in reversed(children):
            stop(child, group=child is children[0])


def stop(child, group):
    """Ends @child (and, for the bus launcher, the process group it leads)."""
    def send(sig):
        try:
            if group:
                os.killpg(child.pid, sig)
            elif child.poll() is None:
                child.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        child.wait()


def main():
    for variable in ("CS_SERVER_BIN", "CS_APP_BIN", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        if not os.environ.get(variable):
            log(f"FAIL: {variable} is not set (run under meson test, a display and a session bus)")
            return 1
    tmp = tempfile.mkdtemp(prefix="cs-a11y-")
    try:
        run(tmp)
    except Failure as failure:
        log(f"FAIL: {failure}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
