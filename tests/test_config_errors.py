"""A table of broken configs: each must fail with exactly these located messages, all at once."""

from __future__ import annotations

import pytest

from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError

R = "version: 1\nrules:\n  - name: r\n    on: issues.opened\n"

CASES: list[tuple[str, str, list[str]]] = [
    (
        "yaml_syntax",
        "version: 1\nrules: [\n",
        [
            ".devflow.yml:3:1: YAML syntax error: the '[' list opened at line 2, column 8 is not closed (expected the node content, but found the end of the file)",
        ],
    ),
    (
        "yaml_tab",
        "version: 1\nrules:\n\t- name: x\n",
        [
            ".devflow.yml:3:1: a tab indents this line; YAML allows only spaces: use spaces for indentation",
        ],
    ),
    (
        "duplicate_key",
        "version: 1\nrules: []\nrules: []\n",
        [
            ".devflow.yml:3:1: rules: duplicate key 'rules' (first defined at line 2); remove one of them",
        ],
    ),
    (
        "duplicate_nested",
        R + "    then:\n      - label: a\n    then:\n      - label: b\n",
        [
            ".devflow.yml:7:5: rules[0].then: duplicate key 'then' (first defined at line 5); remove one of them",
        ],
    ),
    (
        "not_mapping",
        "- a\n- b\n",
        [
            ".devflow.yml:1:1: the file must be a mapping of sections (version, labels, rules, ...)",
        ],
    ),
    (
        "empty",
        "",
        [
            ".devflow.yml:1:1: the file is empty; start it with `version: 1`",
        ],
    ),
    (
        "missing_version",
        "rules: []\n",
        [
            ".devflow.yml:1:1: missing required key 'version' (start the file with `version: 1`)",
        ],
    ),
    (
        "version_newer",
        "version: 2\nrules: {bad: true}\n",
        [
            ".devflow.yml:1:10: version: version 2 is newer than this release of Devflow supports (1); upgrade the action or lower the version",
        ],
    ),
    (
        "version_string",
        "version: one\n",
        [
            ".devflow.yml:1:10: version: expected a whole number, got a string",
        ],
    ),
    (
        "unknown_top",
        "version: 1\nrulez: []\n",
        [
            ".devflow.yml:2:1: unknown section 'rulez' (did you mean 'rules'?)",
        ],
    ),
    (
        "unknown_action",
        R + "    then:\n      - lable: bug\n",
        [
            ".devflow.yml:6:9: rules[0].then[0]: unknown action 'lable' (did you mean 'label'?)",
        ],
    ),
    (
        "unknown_condition",
        R + "    if: {titel: {contains: x}}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:5:10: rules[0].if: unknown condition 'titel' (did you mean 'title'?)",
        ],
    ),
    (
        "unknown_operator",
        R + "    if:\n      labels: {hass: bug}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:16: rules[0].if.labels: unknown operator 'hass' (did you mean 'has'?)",
        ],
    ),
    (
        "bad_regex",
        R + "    if:\n      title: {matches: '(abc'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: invalid regular expression: missing ), unterminated subpattern at position 0",
        ],
    ),
    (
        "backtracking_regex",
        R + "    if:\n      body: {matches: '(a)\\1'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:23: rules[0].if.body.matches: regular expression uses a backreference ('\\1'), which cannot run in linear time, so RE2 does not support it",
        ],
    ),
    (
        "lookahead_regex",
        R + "    if:\n      body: {matches: 'foo(?=bar)'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:23: rules[0].if.body.matches: regular expression uses lookaround ('(?='), which cannot run in linear time, so RE2 does not support it; match the surrounding text instead",
        ],
    ),
    (
        "unknown_event",
        "version: 1\nrules:\n  - name: r\n    on: [issues.opend]\n    then: [{label: a}]\n",
        [
            ".devflow.yml:4:10: rules[0].on[0]: unknown event 'issues.opend' (did you mean 'issues.opened'?)",
        ],
    ),
    (
        "pr_target_event",
        "version: 1\nrules:\n  - name: r\n    on: pull_request_target.opened\n    then: [{label: a}]\n",
        [
            ".devflow.yml:4:9: rules[0].on: unknown event 'pull_request_target.opened' (rules see pull_request_target runs as pull_request: write pull_request.opened)",
        ],
    ),
    (
        "on_as_bool_key_kept",
        "version: 1\nrules:\n  - name: r\n    then: [{label: a}]\n",
        [
            ".devflow.yml:3:5: rules[0]: missing required key 'on'",
        ],
    ),
    (
        "invalid_color",
        "version: 1\nlabels:\n  bug: {color: '#d73a4a'}\n",
        [
            ".devflow.yml:3:16: labels.bug.color: invalid value '#d73a4a': use six hex digits like d73a4a",
        ],
    ),
    (
        "label_undeclared_warning_plus_error",
        "version: 1\nlabels:\n  bug: {}\nrules:\n  - name: r\n    on: issues\n    then: [{label: [bug, feature]}, {close: false}]\n",
        [
            ".devflow.yml:7:45: rules[0].then[1].close: expected true or a mapping of options (to not act, remove the action)",
        ],
    ),
    (
        "two_actions_in_one_item",
        R + "    then:\n      - {label: a, close: true}\n",
        [
            ".devflow.yml:6:9: rules[0].then[0]: each action is its own list item (`- label: bug`); found several: label, close",
        ],
    ),
    (
        "action_as_string",
        R + "    then:\n      - label\n",
        [
            ".devflow.yml:6:9: rules[0].then[0]: expected a mapping, got a string (write each action as `- label: bug`)",
        ],
    ),
    (
        "empty_then",
        R + "    then: []\n",
        [
            ".devflow.yml:5:11: rules[0].then: must not be empty",
        ],
    ),
    (
        "yes_as_label",
        R + "    then:\n      - label: yes\n",
        [
            ".devflow.yml:6:16: rules[0].then[0].label: expected a string or a list, got true or false (YAML reads yes/no/on/off/true/false as booleans: quote the text)",
        ],
    ),
    (
        "bad_glob_all_negated",
        "version: 1\nrules:\n  - name: r\n    on: pull_request\n    if: {files: {any: ['!docs/**']}}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:5:23: rules[0].if.files.any: every pattern is a negation ('!'), so nothing can match; add a positive pattern",
        ],
    ),
    (
        "unknown_template",
        R + "    then:\n      - comment: {template: welcom}\n",
        [
            ".devflow.yml:6:18: rules[0].then[0].comment: unknown template 'welcom' (did you mean 'welcome'?); known: stale, stale-close, welcome",
        ],
    ),
    (
        "unknown_template_var",
        R + "    then:\n      - comment: 'Hi {{ autor }}'\n",
        [
            ".devflow.yml:6:18: rules[0].then[0].comment: unknown template variable 'autor' (did you mean 'author'?)",
        ],
    ),
    (
        "comment_body_and_template",
        R + "    then:\n      - comment: {body: hi, template: welcome}\n",
        [
            ".devflow.yml:6:18: rules[0].then[0].comment: a comment needs exactly one of 'body' or 'template'",
        ],
    ),
    (
        "number_as_string",
        R + "    if: {additions: {at_least: many}}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:5:32: rules[0].if.additions.at_least: expected a whole number, got a string",
        ],
    ),
    (
        "association_typo",
        R + "    if: {author: {association: OWNR}}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:5:32: rules[0].if.author.association: unknown value 'OWNR' (did you mean 'OWNER'?)",
        ],
    ),
    (
        "duplicate_rule_name",
        "version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: a}]\n  - name: r\n    on: issues\n    then: [{label: b}]\n",
        [
            ".devflow.yml:6:11: rules[1].name: duplicate rule name 'r' (also rules[0])",
        ],
    ),
    (
        "size_not_ascending",
        "version: 1\nsize:\n  thresholds: {S: 100, XS: 10}\n",
        [
            ".devflow.yml:3:15: size.thresholds: thresholds must be in ascending order of lines, each larger than the last",
        ],
    ),
    (
        "missing_name_and_on",
        "version: 1\nrules:\n  - then: [{label: a}]\n",
        [
            ".devflow.yml:3:5: rules[0]: missing required key 'name'",
            ".devflow.yml:3:5: rules[0]: missing required key 'on'",
        ],
    ),
    (
        "lock_reason",
        R + "    then:\n      - lock: {reason: angry}\n",
        [
            ".devflow.yml:6:24: rules[0].then[0].lock.reason: unknown value 'angry'; expected one of: off-topic, too heated, resolved, spam",
        ],
    ),
    (
        "many_errors_at_once",
        "version: 1\nlabels:\n  bug: {color: zzzzzz}\nrules:\n  - name: a\n    on: issues.opened\n    if: {title: {matches: '[a-'}}\n    then: [{lable: x}]\n  - name: b\n    on: issues.opened\n    then: [{comment: {template: nope}}]\n",
        [
            ".devflow.yml:3:16: labels.bug.color: invalid value 'zzzzzz': use six hex digits like d73a4a",
            ".devflow.yml:7:27: rules[0].if.title.matches: invalid regular expression: unterminated character set at position 0",
            ".devflow.yml:8:13: rules[0].then[0]: unknown action 'lable' (did you mean 'label'?)",
            ".devflow.yml:11:22: rules[1].then[0].comment: unknown template 'nope'; known: stale, stale-close, welcome",
        ],
    ),
    (
        "merge_key",
        "version: 1\nbase: &b {name: r, on: issues}\nrules:\n  - <<: *b\n    then: [{label: a}]\n",
        [
            ".devflow.yml:4:5: rules[0]: YAML merge keys ('<<') are not supported",
        ],
    ),
    (
        "complex_key",
        "version: 1\n? [a, b]\n: c\n",
        [
            ".devflow.yml:2:3: keys must be plain strings",
        ],
    ),
    (
        "multi_document",
        "version: 1\n---\nversion: 1\n",
        [
            ".devflow.yml:2:1: YAML syntax error: expected a single document in the stream but found another document",
        ],
    ),
    (
        "unbuilt_section_warning_with_error",
        "version: 1\nautomerge: {method: rebase-all}\n",
        [
            ".devflow.yml:2:21: automerge.method: unknown value 'rebase-all' (did you mean 'rebase'?)",
        ],
    ),
    (
        "yaml_unclosed_flow_sequence_at_the_end",
        R + "    then: [ {label: bug}\n",
        [
            ".devflow.yml:6:1: YAML syntax error: the '[' list opened at line 5, column 11 is not closed (expected ',' or ']', but got the end of the file)",
        ],
    ),
    (
        "yaml_unclosed_quote",
        R + "    then: [{label: 'bug}]\n",
        [
            ".devflow.yml:6:1: YAML syntax error: the quoted text opened at line 5, column 20 is not closed (the file ended)",
        ],
    ),
    (
        "yaml_error_names_where_the_flow_mapping_began",
        R + "    then: [{label: bug]\n",
        [
            ".devflow.yml:5:23: YAML syntax error: expected ',' or '}', but got ']' (in the '{' mapping that starts at line 5, column 12)",
        ],
    ),
    (
        "nul_byte_on_line_3",
        "version: 1\nrules:\n  - na\0me: r\n",
        [
            ".devflow.yml:3:7: the file contains a NUL character (byte 0), which YAML does not allow; remove it",
        ],
    ),
    (
        "control_character",
        "version: 1\nrules: []\n# bell \x07\n",
        [
            ".devflow.yml:3:8: the file contains the character U+0007, which YAML does not allow; remove it",
        ],
    ),
    (
        "tab_after_a_key",
        R + "    then:\t[{label: a}]\n",
        [
            ".devflow.yml:5:10: a tab character; YAML allows only spaces here: use spaces",
        ],
    ),
    (
        "regex_repeat_over_re2_limit",
        R + "    if:\n      title: {matches: 'a{2000}'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: regular expression repeats more than 1000 times ('{2000}'), RE2's limit; use a smaller count, or '+' or '*' for any number",
        ],
    ),
    (
        "regex_repeat_too_large_to_be_a_number",
        R + "    if:\n      title: {matches: 'a{99999999999999999999}'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: regular expression repeats more than 1000 times ('{99999999999999999999}'), RE2's limit; use a smaller count, or '+' or '*' for any number",
        ],
    ),
    (
        "regex_nested_repeats_multiply",
        R + "    if:\n      title: {matches: '((ab){100}){100}'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: regular expression repeats more than 1000 times in all ('{100}' inside another repetition: the counts multiply), RE2's limit; use smaller counts, or '+' or '*'",
        ],
    ),
    (
        "regex_end_of_text_Z",
        R + "    if:\n      title: {matches: 'bug\\Z'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: regular expression uses '\\Z', which RE2 does not support; write '\\z' for the end of the text",
        ],
    ),
    (
        "regex_possessive",
        R + "    if:\n      title: {matches: 'a++'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: regular expression uses a possessive quantifier ('++'), which RE2 does not need: it never backtracks; write '+'",
        ],
    ),
    (
        "regex_syntax_error_after_re2_only_syntax",
        R + "    if:\n      title: {matches: '\\p{Greek}(a'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: invalid regular expression: missing ')': a group is not closed",
        ],
    ),
    (
        "regex_unknown_unicode_class",
        R + "    if:\n      title: {matches: '\\p{Gréek}'}\n    then: [{label: a}]\n",
        [
            ".devflow.yml:6:24: rules[0].if.title.matches: invalid regular expression: unknown character class ('\\p{Gréek}')",
        ],
    ),
]


def test_there_are_at_least_25_broken_configs() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES], ids=[n for n, _, _ in CASES])
def test_broken_config_reports_exact_located_messages(text: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        load_text(text)
    assert [d.text() for d in info.value.diagnostics] == expected
