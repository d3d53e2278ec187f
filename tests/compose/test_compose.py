"""docker-compose.yml in production shape: valid for docker-compose (with every required
variable set to a dummy), a health check, resource limits and a word on --scale for every
service, and every variable a service requires set for it (check_compose_env.py, which derives
them from the sources). No Docker daemon is needed; nothing is started."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../.."))
COMPOSE = os.path.join(ROOT, "docker-compose.yml")
CHECKER = os.path.join(HERE, "check_compose_env.py")
DOCKER_COMPOSE = os.environ.get("KX_DOCKER_COMPOSE") or shutil.which("docker-compose")


def compose_text():
    with open(COMPOSE) as f:
        return f.read()


def mandatory(text):
    """The variables compose refuses to start without (`${X:?...}`)."""
    return sorted(set(re.findall(r"\$\{(\w+):?\?", text)))


def dummies(text):
    """An environment with only the mandatory variables (as dummies), not the test platform's."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update({name: "dummy-value" for name in mandatory(text)})
    return env


def compose_config(path, env, *extra):
    # An empty --env-file: a developer's .env next to the compose file must not fill the gaps.
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        return subprocess.run([DOCKER_COMPOSE, "--env-file", empty.name, "-f", path, "config", *extra],
                              env=env, capture_output=True, text=True, timeout=120)


def run_checker(root, compose):
    return subprocess.run([sys.executable, CHECKER, "--root", root, "--compose", compose],
                          capture_output=True, text=True, timeout=60)


def service_dirs():
    return sorted(d for d in os.listdir(os.path.join(ROOT, "services"))
                  if os.path.isdir(os.path.join(ROOT, "services", d, "src")))


@unittest.skipUnless(DOCKER_COMPOSE, "docker-compose is not installed (infra/install-deps.sh)")
class ComposeConfigTest(unittest.TestCase):
    def test_config_is_valid_with_the_required_variables_set(self):
        text = compose_text()
        self.assertIn("INTERNAL_SECRET", mandatory(text))
        res = compose_config(COMPOSE, dummies(text), "-q")
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_config_refuses_a_missing_secret(self):
        env = dummies(compose_text())
        del env["INTERNAL_SECRET"]
        res = compose_config(COMPOSE, env, "-q")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("INTERNAL_SECRET", res.stderr)

    def test_every_service_has_health_check_limits_and_scale_notes(self):
        text = compose_text()
        res = compose_config(COMPOSE, dummies(text))
        self.assertEqual(res.returncode, 0, res.stderr)
        services = yaml.safe_load(res.stdout)["services"]
        binaries = {(spec.get("command") or [None])[0] for spec in services.values()}
        for d in service_dirs():
            self.assertIn(f"kx-{d}", binaries, f"no compose service runs kx-{d}")
        for name, spec in services.items():
            with self.subTest(service=name):
                limits = spec.get("deploy", {}).get("resources", {}).get("limits", {})
                self.assertIn("memory", limits)
                self.assertIn("cpus", limits)
                if name != "kafka-init":  # one-shot: its exit status is what others wait for
                    self.assertIn("test", spec.get("healthcheck", {}))
                # The comment block right above the service says how (or whether) it scales.
                above = re.search(r"((?:^  #.*\n)+)^  " + re.escape(name) + r":\n", text, re.M)
                self.assertIsNotNone(above, f"no comment above {name}")
                self.assertRegex(above.group(1), r"--scale|[Dd]oes not scale|never scaled")


class RequiredVariablesTest(unittest.TestCase):
    def test_every_required_variable_is_set(self):
        res = run_checker(ROOT, COMPOSE)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    def mutated(self, edit):
        """The checker's answer for a copy of docker-compose.yml changed by edit(text)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "docker-compose.yml")
            text = compose_text()
            changed = edit(text)
            self.assertNotEqual(changed, text, "the edit did not apply")
            with open(path, "w") as f:
                f.write(changed)
            res = run_checker(ROOT, path)
        self.assertEqual(res.returncode, 1, res.stdout)
        return res.stdout

    def test_a_missing_variable_is_reported_for_its_service(self):
        out = self.mutated(lambda t: re.sub(r"\n      PUBLIC_ORIGIN: .*\n      # Mails", "\n      # Mails", t))
        self.assertRegex(out, r"^auth: PUBLIC_ORIGIN is required \(services/auth/src/main\.cpp:\d+", out)

    def test_a_common_variable_dropped_fails_every_service(self):
        out = self.mutated(lambda t: t.replace("\n  KAFKA_BOOTSTRAP: kafka:9092\n", "\n"))
        for d in service_dirs():
            self.assertIn(f"{d}: KAFKA_BOOTSTRAP is required (libs/service/src/runtime.cpp:", out)

    def test_a_value_that_can_be_empty_is_reported(self):
        out = self.mutated(lambda t: re.sub(r"LEGAL_EMAIL: \$\{LEGAL_EMAIL:\?[^}]*\}",
                                            "LEGAL_EMAIL: ${LEGAL_EMAIL:-}", t))
        self.assertIn("gateway: LEGAL_EMAIL is required", out)
        self.assertIn("can be empty", out)

    def test_a_misspelt_variable_is_reported(self):
        out = self.mutated(lambda t: t.replace("CALL_RETENTION_DAYS:", "CALL_RETENTION_DAY:"))
        self.assertIn("telephony-webhook: sets CALL_RETENTION_DAY, which kx-telephony-webhook never reads", out)


class DerivationTest(unittest.TestCase):
    """The rules by which the checker reads the sources, on a small made-up tree."""

    RUNTIME = """\
        Runtime::Runtime(std::string name, Needs needs) : name_(name), needs_(needs) {
          kafka_.bootstrap = env_.required("KAFKA_BOOTSTRAP");
          // env_.required("COMMENTED_OUT") is no read
          if (needs_.database) {
            database_url_ = env_.secret("DATABASE_URL", 10);
          }
        }
        std::unique_ptr<pg::Pool> command_pool() { auto u = env.secret("TOOL_ONLY", 10); }
        """
    NEEDS = "struct Needs {\n  bool database = true;\n};\n"

    def tree(self, main_cpp):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        files = {"libs/service/src/runtime.cpp": self.RUNTIME,
                 "libs/service/include/kx/service/runtime.hpp": self.NEEDS,
                 "services/demo/src/main.cpp": main_cpp}
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(textwrap.dedent(text))
        return tmp

    def check(self, main_cpp, environment):
        root = self.tree(main_cpp)
        compose = {"services": {"demo": {"command": ["kx-demo"], "environment": environment}}}
        path = os.path.join(root, "docker-compose.yml")
        with open(path, "w") as f:
            yaml.safe_dump(compose, f)
        res = run_checker(root, path)
        return res.returncode, res.stdout

    BASE = {"KAFKA_BOOTSTRAP": "kafka:9092", "DATABASE_URL": "${DB_URL:?set it}"}

    def test_required_getters_and_url_fallbacks(self):
        main = """\
            int main() {
              kx::service::Runtime rt("demo");
              auto& env = rt.env();
              auto a = env.required("A_NAME");
              auto b = env.url("B_URL");
              auto c = env.url("C_URL", "https://example.com");
              auto d = env.url("D_URL", key.empty() ? "http://127.0.0.1" : "");
              auto e = env.integer("E_COUNT", 3, 1, 9);
            }
            """
        rc, out = self.check(main, dict(self.BASE, E_COUNT="4"))
        self.assertEqual(rc, 1)
        self.assertIn("demo: A_NAME is required (services/demo/src/main.cpp:4, env.required)", out)
        self.assertIn("demo: B_URL is required", out)
        self.assertIn("demo: D_URL is required", out)
        self.assertNotIn("C_URL", out)
        self.assertNotIn("E_COUNT", out)
        rc, out = self.check(main, dict(self.BASE, A_NAME="x", B_URL="https://b", D_URL="${D:-http://d}"))
        self.assertEqual((rc, out.strip()), (0, "docker-compose.yml: every variable the services require is set"))
        rc, out = self.check(main, dict(self.BASE, A_NAME="x", B_URL="b.example", D_URL="http://d"))
        self.assertIn("demo: B_URL must be an http(s) URL", out)

    def test_self_guarded_reads_and_switched_off_needs_are_optional(self):
        main = """\
            int main() {
              kx::service::Runtime rt("demo", {.database = false});
              auto& env = rt.env();
              if (!env.optional("SIM_URL", "").empty())
                sim = env.url("SIM_URL");
              if (!env.optional("TRACE_URL", "").empty()) {
                trace = env.url("TRACE_URL");
              }
            }
            """
        rc, out = self.check(main, {"KAFKA_BOOTSTRAP": "kafka:9092"})
        self.assertEqual(rc, 0, out)

    def test_names_from_a_table_and_conditions_on_other_settings(self):
        main = """\
            int main() {
              kx::service::Runtime rt("demo");
              auto& env = rt.env();
              bool secure = env.flag("SECURE", true);
              const std::pair<const char*, std::string*> fields[] = {
                  {"LEGAL_ONE", &one},
                  {"LEGAL_TWO", &two},
              };
              for (const auto& [name, field] : fields)
                *field = secure ? env.required(name) : env.optional(name, "");
            }
            """
        rc, out = self.check(main, dict(self.BASE, LEGAL_ONE="x"))
        self.assertEqual(rc, 1)
        self.assertIn("demo: LEGAL_TWO is required (services/demo/src/main.cpp:10, env.required)", out)
        self.assertNotIn("LEGAL_ONE", out)

    def test_reads_it_cannot_follow_fail_loudly(self):
        rc, out = self.check('int main() { auto v = env.required(make_name()); }\n', self.BASE)
        self.assertEqual(rc, 1)
        self.assertIn("cannot tell which variable", out)
        rc, out = self.check('int main() { auto v = env.fancy("X"); }\n', self.BASE)
        self.assertEqual(rc, 1)
        self.assertIn("unknown config::Env getter `fancy`", out)


if __name__ == "__main__":
    unittest.main()
