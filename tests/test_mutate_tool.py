"""tools/mutate.py: which survivors the configuration may call equivalent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "mutate_tool", Path(__file__).resolve().parent.parent / "tools" / "mutate.py"
)
mutate = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mutate  # dataclasses look their module up there
spec.loader.exec_module(mutate)

MODULE = "app/feeds/calendars.py"


def diff(old: str, new: str) -> str:
    return f"--- a\n+++ b\n@@ -1 +1 @@\n-    {old}\n+    {new}\n"


def case_rule(**overrides) -> mutate.Equivalent:
    entry = {
        "module": MODULE,
        "function": ["_base_event", "session_event"],
        "case_only": True,
        "reason": "names are case-insensitive",
    }
    return mutate.Equivalent(**(entry | overrides))


def test_a_case_only_rule_takes_a_mutant_that_changes_only_letter_case():
    rule = case_rule()
    assert rule.matches(
        MODULE, "session_event", diff('event.add("url", url)', 'event.add("URL", url)')
    )


def test_a_case_only_rule_refuses_a_mutant_that_changes_more_than_case():
    rule = case_rule()
    assert not rule.matches(
        MODULE, "session_event", diff('event.add("url", url)', 'event.add("XXurlXX", url)')
    )
    assert not rule.matches(MODULE, "session_event", diff("free -= 1", "free -= 2"))


def test_a_rule_applies_only_to_the_functions_and_module_it_names():
    change = diff('event.add("url", url)', 'event.add("URL", url)')
    assert not case_rule().matches(MODULE, "course_calendar", change)
    assert not case_rule().matches("app/registration/services.py", "session_event", change)
    assert case_rule(function="course_calendar").matches(MODULE, "course_calendar", change)


def test_a_rule_must_say_which_mutants_it_covers():
    try:
        mutate.Equivalent(module=MODULE, function="course_url", reason="because")
    except SystemExit as refused:
        assert "give `mutant`, `original` or `case_only`" in str(refused)
    else:
        raise AssertionError("an entry matching every mutant of a function was accepted")
