#!/usr/bin/python3
"""An agent that must not act before a person decides: the approval gate of countersign-server.

    COUNTERSIGN_MODEL_TOKEN=… examples/agent-gate.py --server URL --wait
    COUNTERSIGN_MODEL_TOKEN=… COUNTERSIGN_WEBHOOK_SECRET=… \\
        examples/agent-gate.py --server URL --webhook --listen 127.0.0.1:8765
    examples/agent-gate.py --demo [--webhook] [--answers accept,override]
    examples/agent-gate.py --check

The agent plans three refunds and proposes each one to the queue "payments" as a
prediction (POST /api/v1/predictions, with a model token). The queue's routing decides:
an action the server automates is carried out at once; an escalated one waits for a
person, either by long-polling GET /api/v1/cases/{id}/outcome?wait=N (--wait) or by
receiving the outcome on a webhook (--webhook), checked with its HMAC signature and
de-duplicated by event id. Then the agent carries on when the person accepts, changes
course to the person's label when they override, and stops when they reject.

--demo starts its own countersign-server on 127.0.0.1 (a free port) from
$CS_SERVER_BIN, else _build/src/server/countersign-server, sets up the queue and the
tokens, runs the agent in a thread and plays the reviewer through the API. --check runs
the demo both ways with each of the person's answers, replays and forges a webhook, and
exits 1 unless every step happened as it should (the test suite runs it).

Python 3's standard library only. The pattern, step by step: docs/agent-gate.md.
"""

import argparse
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
QUEUE = "payments"
REVIEWER = "payments-reviewer"
MAX_WEBHOOK_BODY = 1 << 20

# The plan. Confidence and wording are the agent's own; the queue's routing (below) decides
# which of them a person must see: under 0.80, or naming a chargeback.
PLAN = [
    {"order": "A-1001", "amount": 20, "confidence": 0.97,
     "reason": "Parcel lost in transit; the carrier confirmed it."},
    {"order": "A-1002", "amount": 450, "confidence": 0.64,
     "reason": "Customer says the espresso machine arrived broken; no photo yet."},
    {"order": "A-1003", "amount": 9000, "confidence": 0.93,
     "reason": "Laptops returned unopened, but the customer also opened a chargeback with the bank."},
]

QUEUE_SETTINGS = {
    "title": "Payments",
    "labels": ["refund", "store credit", "refer to fraud team"],
    "policy": {"rationale_required": ["override", "reject", "escalate"], "min_rationale_chars": 15},
    "routing": {"confidence_threshold": 0.80, "compliance_keywords": ["chargeback"],
                "audit_sample_rate": 0},
    "reviewers": [REVIEWER],
}

RATIONALES = {
    "accept": "Checked the order and its history: the refund is due.",
    "override": "Store credit settles it without paying out twice.",
    "reject": "The card issuer has already refunded this order.",
}


class GateError(Exception):
    """A failure the person running the agent can act on; printed without a traceback.
    `status` is the HTTP status when the server answered with an error, else None."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def eur(amount):
    return f"{amount:,} EUR"


def is_loopback(host):
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Say:
    """Prints the story one whole line at a time, whichever thread speaks."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.lock = threading.Lock()

    def __call__(self, who, text):
        with self.lock:
            print(f"{who + ':':<10}{text}", file=self.out, flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP


class Api:
    """A small client of the review API over urllib, for one token."""

    def __init__(self, url, token, allow_http=False):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GateError(f"--server {url!r} is not an http or https URL")
        if parts.scheme == "http" and not is_loopback(parts.hostname) and not allow_http:
            # The token would cross the network in the clear.
            raise GateError(f"--server {url} is plain http to {parts.hostname}, which is not a "
                            "loopback address: use https (or --allow-http on a network you trust)")
        self.url = url.rstrip("/")
        self.token = token
        # Straight to loopback, whatever proxy the environment names; elsewhere as usual.
        handlers = [urllib.request.ProxyHandler({})] if is_loopback(parts.hostname) else []
        self.opener = urllib.request.build_opener(*handlers)

    def call(self, method, path, body=None, timeout=30):
        """Returns (status, parsed body or None). Raises GateError on 4xx/5xx or no answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                raw = answer.read()
                return answer.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raise GateError(f"{method} {path}: {e.code} {error_message(e)}", e.code) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise GateError(f"{method} {path}: no answer from {self.url} ({reason})") from None


def error_message(e):
    raw = e.read().decode(errors="replace")
    try:
        message = json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = raw.strip() or e.reason
    if e.code == 401:
        message += " (is the token in COUNTERSIGN_MODEL_TOKEN one this server made?)"
    elif e.code == 403:
        message += " (the token needs the model role)"
    return message


# ---------------------------------------------------------------------------------------------
# The webhook receiver


class Receiver:
    """Takes the server's outcome webhooks on a loopback address: checks each body's
    X-Countersign-Signature against the shared secret, drops an event id it has already
    taken (delivery is at least once), and hands each outcome to whoever waits for its case."""

    def __init__(self, secret, listen="127.0.0.1:0", say=None):
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise GateError(f"--listen {listen!r} is not HOST:PORT")
        if not is_loopback(host):
            # The receiver speaks plain http: off loopback, put an https proxy in front of it.
            raise GateError(f"--listen {listen}: the receiver listens on loopback only; across a "
                            "network, put an https reverse proxy in front of it")
        if not secret:
            raise GateError("no webhook secret: set COUNTERSIGN_WEBHOOK_SECRET to the queue's secret")
        self.secret = secret.encode()
        self.say = say or (lambda who, text: None)
        self.lock = threading.Condition()
        self.outcomes = {}   # case id -> outcome
        self.seen = set()    # event ids taken; a real service keeps them in its database
        self.duplicates = 0
        self.refused = 0
        self.last = None     # (event id, body, signature) of the last event taken
        host = host.strip("[]")

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        try:
            self.server = Server((host, int(port)), self._handler())
        except OSError as e:
            raise GateError(f"--listen {listen}: {e.strerror or e}") from None
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook", daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/countersign"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    return self.reply(411)
                if not 0 <= length <= MAX_WEBHOOK_BODY:
                    return self.reply(413)
                status = receiver.take(self.headers.get("X-Countersign-Event", ""),
                                       self.headers.get("X-Countersign-Signature", ""),
                                       self.rfile.read(length))
                self.reply(status)

        return Handler

    def take(self, event_id, signature, body):
        """Returns the HTTP status to answer: 2xx ends the server's retries of this event."""
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        # compare_digest: the time taken must not tell a forger how much of it was right.
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            with self.lock:
                self.refused += 1
            self.say("webhook", f"refused event {event_id or '(no id)'}: the signature does not match")
            return 401
        try:
            outcome = json.loads(body)
            case_id = outcome["case_id"]
        except (ValueError, KeyError, TypeError):
            self.say("webhook", f"refused event {event_id}: the body is not an outcome")
            return 400
        if not event_id:
            self.say("webhook", "refused an event without X-Countersign-Event")
            return 400
        with self.lock:
            if event_id in self.seen:
                self.duplicates += 1
                self.say("webhook", f"dropped event {event_id}: already taken")
                return 200
            self.seen.add(event_id)
            self.last = (event_id, body, signature)
            self.outcomes[case_id] = outcome
            self.lock.notify_all()
        return 204

    def wait_for(self, case_id, deadline):
        with self.lock:
            while case_id not in self.outcomes:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(min(left, 5))
            return self.outcomes[case_id]


# ---------------------------------------------------------------------------------------------
# The agent


class Agent:
    """Proposes each planned action, acts on those the server automates, and holds the others
    until a person's outcome arrives."""

    def __init__(self, api, say, receiver=None, wait_seconds=30, timeout=3600):
        self.api = api
        self.say = say
        self.receiver = receiver
        self.wait_seconds = wait_seconds
        self.timeout = timeout
        self.done = []        # what the agent did: (kind, order, amount)
        self.routed = []      # (order, "automated" | trigger kind)
        self.sources = []     # how each person's outcome arrived
        self.stopped = False

    def act(self, kind, step):
        """Stands for the real side effect (the payment provider's API, an order system)."""
        self.done.append((kind, step["order"], step["amount"]))
        amount, order = eur(step["amount"]), step["order"]
        if kind == "refund":
            self.say("agent", f"refunded {amount} for order {order}.")
        elif kind == "refer to fraud team":
            self.say("agent", f"referred order {order} ({amount}) to the fraud team.")
        else:
            self.say("agent", f"issued {kind} of {amount} for order {order}.")

    def propose(self, step):
        prediction = {
            "queue": QUEUE,
            "subject": {"kind": "tabular", "title": f"Refund {eur(step['amount'])}, order {step['order']}",
                        "fields": {"order": step["order"], "amount": eur(step["amount"]),
                                   "action": "refund"}},
            "model": {"name": "refund-agent", "version": "1.0"},
            "prediction": {"label": "refund", "confidence": step["confidence"],
                           "alternatives": [{"label": "store credit",
                                             "confidence": round(1 - step["confidence"], 2)}]},
            "explanation": {"summary": step["reason"]},
            "context": {"order": step["order"], "proposed by": "refund-agent"},
        }
        # Not retried on a lost answer: the API has no idempotency key for predictions, and a
        # second proposal would be a second case.
        return self.api.call("POST", "/api/v1/predictions", prediction)[1]

    def long_poll(self, case_id, deadline):
        """GET …/outcome?wait=N until the outcome comes, a 204 meaning "not yet, ask again"."""
        backoff = 1
        while True:
            # Whole seconds, as the server takes them; under one left, the time is up.
            wait = min(self.wait_seconds, int(deadline - time.monotonic()))
            if wait < 1:
                return None
            try:
                status, outcome = self.api.call("GET", f"/api/v1/cases/{case_id}/outcome?wait={wait}",
                                                timeout=wait + 15)
            except GateError as e:
                if e.status is not None and e.status < 500:   # asking again will not help
                    raise
                self.say("agent", f"{e}; asking again in {backoff} s")
                time.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 1
            if status == 200 and outcome is not None:
                return outcome
            self.say("agent", f"no decision yet (204 after {wait} s); asking again.")

    def run(self, plan):
        for n, step in enumerate(plan):
            self.say("agent", f"plan step {n + 1} of {len(plan)}: refund {eur(step['amount'])} "
                              f"for order {step['order']} (confidence {step['confidence']:.2f}).")
            answer = self.propose(step)
            if answer.get("routed") == "automated":
                self.routed.append((step["order"], "automated"))
                self.say("agent", f"the server automates it (case {answer['id']}); acting now.")
                self.act("refund", step)
                continue

            trigger = answer.get("trigger") or {}
            self.routed.append((step["order"], trigger.get("kind", "other")))
            self.say("agent", f"escalated to a person ({trigger.get('kind')}: {trigger.get('detail')}).")
            self.say("agent", f"waiting for a human to decide case {answer['id']}; "
                              f"not acting until then.")
            deadline = time.monotonic() + self.timeout
            if self.receiver is not None:
                outcome = self.receiver.wait_for(answer["id"], deadline)
                source = "webhook"
            else:
                outcome = self.long_poll(answer["id"], deadline)
                source = "long-poll"
            if outcome is None:
                raise GateError(f"no decision on case {answer['id']} within {self.timeout} s; "
                                "stopping without acting (the case stays in the queue)")
            self.sources.append(source)
            who, why = outcome.get("decided_by"), outcome.get("rationale") or "no reason given"
            action = outcome.get("action")
            if action == "accept":
                self.say("agent", f"{who} accepted ({source}): “{why}” Carrying on.")
                self.act("refund", step)
            elif action == "override":
                label = outcome.get("final_label")
                self.say("agent", f"{who} overrode it with “{label}” ({source}): “{why}” "
                                  f"Changing course.")
                self.act(label, step)
            else:
                left = len(plan) - n - 1
                undone = f"; {left} planned {'action' if left == 1 else 'actions'} left undone" if left else ""
                self.say("agent", f"{who} {'rejected' if action == 'reject' else action} it ({source}): "
                                  f"“{why}” Stopping{undone}.")
                self.stopped = True
                return
        self.say("agent", "plan finished.")


# ---------------------------------------------------------------------------------------------
# The demo: a server of its own, and a person played through the API


class DemoServer:
    """countersign-server on a fresh data directory on 127.0.0.1 (a free port)."""

    def __init__(self, binary):
        if not os.access(binary, os.X_OK):
            raise GateError(f"no countersign-server at {binary}: build it (meson setup _build && "
                            "ninja -C _build), or set CS_SERVER_BIN")
        self.binary = binary
        self.work = tempfile.mkdtemp(prefix="countersign-agent-gate-")
        self.data = os.path.join(self.work, "data")
        self.process = None
        self.log = None
        self.url = None

    # The server's webhook client follows the environment's proxy even to loopback, where a
    # proxy cannot reach the receiver: the demo's server gets none.
    ENV = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}

    def run(self, *args):
        result = subprocess.run([self.binary, args[0], "--data", self.data, *args[1:]],
                                capture_output=True, text=True, check=False, timeout=30,
                                env=self.ENV)
        if result.returncode != 0:
            raise GateError(f"countersign-server {args[0]} failed ({result.returncode}): {result.stderr}")
        return result.stdout

    def token(self, name, role, queues=None):
        return self.run("token", "create", name, "--role", role,
                        *(["--queues", ",".join(queues)] if queues else [])).split()[-1]

    def start(self):
        self.log = open(os.path.join(self.work, "server.log"), "w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:0",
             "--webhook-retry-base-ms", "200", "--webhook-retry-cap-ms", "2000"],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=self.ENV)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise GateError(f"countersign-server did not start: {line}{self.server_log()}")
        self.url = line.split("listening on ", 1)[1].strip().rstrip("/")

    def server_log(self):
        if self.log is None or self.log.closed:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process.stdout.close()
            self.process = None
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


class Reviewer:
    """The person, played through the reviewer's API: claims what the queue escalates, looks
    for a moment, and decides with a rationale, one answer per escalated case in turn."""

    def __init__(self, api, say, answers, delay):
        self.api = api
        self.say = say
        self.answers = list(answers)
        self.delay = delay
        self.decided = []

    def run(self, agent_thread, deadline):
        while self.answers and agent_thread.is_alive() and time.monotonic() < deadline:
            claimed = self.api.call("POST", "/api/v1/claims", {"queue": QUEUE, "count": 1})[1]["claimed"]
            if not claimed:
                time.sleep(0.1)
                continue
            case = self.api.call("GET", f"/api/v1/cases/{claimed[0]}")[1]
            self.say("reviewer", f"opens case {case['id']}, “{case['subject']['title']}”: "
                                 f"{case['explanation']['summary']}")
            time.sleep(self.delay)   # reading the evidence
            action = self.answers.pop(0)
            label = None
            if action == "override":
                label = case["prediction"]["alternatives"][0]["label"]
            rationale = RATIONALES[action]
            decision = {
                "id": str(uuid.uuid4()), "case_id": case["id"], "case_version": case["version"],
                "action": action, "label": label, "rationale": rationale, "reviewer": REVIEWER,
                "decided_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "duration_ms": int(self.delay * 1000),
            }
            result = self.api.call("POST", "/api/v1/decisions", {"decisions": [decision]})[1]["results"][0]
            if result["status"] != "accepted":
                raise GateError(f"the server did not take the reviewer's decision: {result}")
            self.decided.append((case["id"], action, label))
            self.say("reviewer", f"{action}s" + (f" with “{label}”" if label else "") + f": “{rationale}”")


def demo(server_bin, way, answers, say, timeout=30, reviewer_delay=1.5, wait_seconds=1):
    """One whole story on a server of its own. Returns what happened, for --check."""
    server = DemoServer(server_bin)
    receiver = None
    try:
        admin = server.token("admin", "admin")
        model = server.token("refund-agent", "model")
        reviewer = server.token(REVIEWER, "reviewer", [QUEUE])
        server.start()
        say("demo", f"countersign-server on {server.url}; queue “{QUEUE}” escalates confidence "
                    f"under 0.80 and any mention of a chargeback.")

        settings = dict(QUEUE_SETTINGS)
        if way == "webhook":
            secret = secrets.token_hex(32)
            receiver = Receiver(secret, say=say).start()
            settings["webhook"] = {"url": receiver.url, "secret": secret}
            say("demo", f"outcomes go to the agent's webhook at {receiver.url}, signed with a "
                        f"shared secret.")
        Api(server.url, admin).call("PUT", f"/api/v1/queues/{QUEUE}", settings)

        agent = Agent(Api(server.url, model), say, receiver=receiver,
                      wait_seconds=wait_seconds, timeout=timeout)
        failure = []

        def agent_main():
            try:
                agent.run(PLAN)
            except GateError as e:
                failure.append(str(e))
                say("agent", f"error: {e}")

        thread = threading.Thread(target=agent_main, name="agent")
        thread.start()
        person = Reviewer(Api(server.url, reviewer), say, answers, reviewer_delay)
        try:
            person.run(thread, time.monotonic() + timeout * len(PLAN))
        finally:
            thread.join(timeout * len(PLAN) + 5)

        admin_api = Api(server.url, admin)
        story = {"way": way, "agent": agent, "reviewer": person, "failure": failure,
                 "server": server, "receiver": receiver, "admin": admin_api,
                 "outcomes": export(admin_api), "replays": None}
        if receiver is not None:
            say("demo", "the last event again, as a retry of the server would send it, "
                        "then a forged copy:")
            story["replays"] = replay_webhooks(receiver, agent)
        return story
    finally:
        if receiver is not None:
            receiver.stop()
        server.stop()


def export(admin_api):
    raw = admin_api.opener.open(urllib.request.Request(
        admin_api.url + "/api/v1/export/outcomes",
        headers={"Authorization": f"Bearer {admin_api.token}"}), timeout=30).read().decode()
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def replay_webhooks(receiver, agent):
    """Posts the last event the receiver took again, byte for byte, as the server's retry
    would, and a forged copy of it (the action changed, the signature kept): the first must
    be dropped and the second refused, and neither may move the agent."""
    with receiver.lock:
        if receiver.last is None:
            return None
        event_id, body, signature = receiver.last
        outcomes = dict(receiver.outcomes)
        duplicates, refused = receiver.duplicates, receiver.refused
    done = list(agent.done)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(data, event):
        request = urllib.request.Request(receiver.url, data=data, method="POST", headers={
            "Content-Type": "application/json", "X-Countersign-Event": event,
            "X-Countersign-Signature": signature})
        try:
            with opener.open(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as e:
            return e.code

    forged = json.loads(body)
    forged["action"] = "reject" if forged.get("action") != "reject" else "accept"
    forged = json.dumps(forged).encode()
    statuses = (post(body, event_id), post(forged, str(uuid.uuid4())))
    with receiver.lock:
        return {"statuses": statuses, "duplicates": receiver.duplicates - duplicates,
                "refused": receiver.refused - refused, "agent_unmoved": agent.done == done,
                "outcomes_kept": all(receiver.outcomes[k] == v for k, v in outcomes.items())}


# ---------------------------------------------------------------------------------------------
# --check


def check_story(story, expect_done, expect_routed, expect_actions, problems):
    way, agent = story["way"], story["agent"]
    name = f"{way}, {','.join(a for _, a, _ in story['reviewer'].decided) or 'no decisions'}"

    def expect(what, got, want):
        if got != want:
            problems.append(f"[{name}] {what}: got {got!r}, expected {want!r}")

    expect("failure", story["failure"], [])
    expect("what the agent did", agent.done, expect_done)
    expect("routing", agent.routed, expect_routed)
    expect("stopped", agent.stopped, expect_actions[-1] == "reject")
    expect("how outcomes arrived", agent.sources,
           ["webhook" if way == "webhook" else "long-poll"] * (len(expect_actions) - 1))
    expect("outcomes on the server", [o["action"] for o in story["outcomes"]], expect_actions)
    if way == "webhook":
        r = story["replays"] or {}
        expect("replayed event answer", r.get("statuses", (None,))[0], 200)
        expect("forged event answer", r.get("statuses", (None, None))[1], 401)
        expect("replays dropped", r.get("duplicates"), 1)
        expect("forgeries refused", r.get("refused"), 1)
        expect("agent unmoved by replays", r.get("agent_unmoved"), True)
        expect("outcomes unchanged by replays", r.get("outcomes_kept"), True)


def check_bad_input(server_bin, problems):
    """A wrong token, a missing one, and plain http off loopback end in words, not a trace."""
    me = os.path.realpath(__file__)
    env = {k: v for k, v in os.environ.items() if k != "COUNTERSIGN_MODEL_TOKEN"}
    result = subprocess.run([sys.executable, me, "--server", "http://127.0.0.1:9", "--wait"],
                            env=env, capture_output=True, text=True, timeout=30)
    if result.returncode != 2 or "COUNTERSIGN_MODEL_TOKEN" not in result.stderr:
        problems.append(f"without a token: exit {result.returncode}, {result.stderr.strip()!r}")
    try:
        Api("http://payments.example.org", "x")
        problems.append("plain http off loopback was allowed")
    except GateError as e:
        if "https" not in str(e):
            problems.append(f"plain http off loopback: {e}")

    server = DemoServer(server_bin)
    try:
        server.start()
        env["COUNTERSIGN_MODEL_TOKEN"] = "not-a-token"
        result = subprocess.run([sys.executable, me, "--server", server.url, "--wait"],
                                env=env, capture_output=True, text=True, timeout=30)
        if result.returncode != 1 or "401" not in result.stderr or "Traceback" in result.stderr:
            problems.append(f"with a wrong token: exit {result.returncode}, {result.stderr.strip()!r}")
    finally:
        server.stop()


def check(server_bin, say):
    problems = []
    full = [("refund", "A-1001", 20), ("refund", "A-1002", 450), ("store credit", "A-1003", 9000)]
    routed = [("A-1001", "automated"), ("A-1002", "low_confidence"), ("A-1003", "compliance_keyword")]
    credit = [("refund", "A-1001", 20), ("store credit", "A-1002", 450)]
    stories = [  # way, the person's answers, what the agent does, how the proposals were routed
        ("wait", ["accept", "override"], full, routed),
        ("webhook", ["accept", "override"], full, routed),
        ("wait", ["reject"], full[:1], routed[:2]),
        ("webhook", ["override", "reject"], credit, routed),
    ]
    for way, answers, done, routing in stories:
        say("check", f"--{way}, the person answers {', '.join(answers)}")
        story = demo(server_bin, way, answers, say)
        check_story(story, done, routing, ["automated"] + answers, problems)
    check_bad_input(server_bin, problems)
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    say("check", "ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description="An agent that waits for a person's decision before it acts.",
        epilog="The model token is read from COUNTERSIGN_MODEL_TOKEN and the webhook secret from "
               "COUNTERSIGN_WEBHOOK_SECRET, never from the command line.")
    way = parser.add_mutually_exclusive_group()
    way.add_argument("--wait", action="store_true", help="wait by long-polling the outcome (the default)")
    way.add_argument("--webhook", action="store_true", help="wait for the outcome's webhook")
    parser.add_argument("--server", metavar="URL", help="the review server, e.g. https://review.example.org")
    parser.add_argument("--listen", default="127.0.0.1:8765", metavar="HOST:PORT",
                        help="where the webhook receiver listens (loopback only; default %(default)s)")
    parser.add_argument("--wait-seconds", type=int, default=30, metavar="N",
                        help="how long each long-poll request waits, 1 to 60 (default %(default)s)")
    parser.add_argument("--timeout", type=int, default=3600, metavar="S",
                        help="how long to wait for each decision before giving up without acting "
                             "(default %(default)s)")
    parser.add_argument("--allow-http", action="store_true",
                        help="allow plain http to a server that is not on loopback")
    parser.add_argument("--demo", action="store_true",
                        help="start a countersign-server of its own and play the reviewer")
    parser.add_argument("--answers", default="accept,override", metavar="A,B",
                        help="--demo: the reviewer's answers to the escalated actions, in turn: "
                             "accept, override or reject (default %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="run the demo both ways, with each answer; exit 1 on any mismatch")
    parser.add_argument("--server-bin", metavar="PATH",
                        default=os.environ.get("CS_SERVER_BIN") or
                        os.path.join(ROOT, "_build", "src", "server", "countersign-server"),
                        help="--demo, --check: the countersign-server to run (default: $CS_SERVER_BIN, "
                             "else %(default)s)")
    args = parser.parse_args()
    say = Say()

    answers = [a.strip() for a in args.answers.split(",") if a.strip()]
    if not answers or any(a not in RATIONALES for a in answers):
        parser.error("--answers takes accept, override or reject, separated by commas")
    if not 1 <= args.wait_seconds <= 60:
        parser.error("--wait-seconds is between 1 and 60 (the server waits at most 60)")

    try:
        if args.check:
            return check(args.server_bin, say)
        if args.demo:
            story = demo(args.server_bin, "webhook" if args.webhook else "wait", answers, say)
            return 1 if story["failure"] else 0

        if not args.server:
            parser.error("give --server URL (or --demo)")
        token = os.environ.get("COUNTERSIGN_MODEL_TOKEN")
        if not token:
            parser.error("set COUNTERSIGN_MODEL_TOKEN to a model token of the server "
                         "(countersign-server token create NAME --role model)")
        api = Api(args.server, token, allow_http=args.allow_http)
        receiver = None
        if args.webhook:
            receiver = Receiver(os.environ.get("COUNTERSIGN_WEBHOOK_SECRET"), args.listen, say).start()
            say("agent", f"taking outcomes at {receiver.url}: the queue's webhook must point here.")
        try:
            Agent(api, say, receiver=receiver, wait_seconds=args.wait_seconds,
                  timeout=args.timeout).run(PLAN)
        finally:
            if receiver is not None:
                receiver.stop()
        return 0
    except GateError as e:
        print(f"agent-gate: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"agent-gate: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
