//! Loading whole files: what loads, and the diagnostics for what does not
//! (insta snapshots under snapshots/, named core__load__tests__*).

use super::*;
use crate::engine::check::CheckKind;

fn load_text(text: &str) -> Result<Suite, Vec<Diagnostic>> {
    let schemas = SchemaSet::embedded().expect("schemas");
    load(
        &[SourceFile {
            name: "cases/t.yaml".into(),
            text: text.into(),
        }],
        schemas,
    )
}

fn render(text: &str) -> String {
    match load_text(text) {
        Ok(_) => panic!("expected diagnostics"),
        Err(d) => d
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn a_valid_file_loads() {
    let suite = load_text(
        "cases:\n  - id: a.b\n    verifies: x\n    level: must\n    request:\n      body: {maxResults: 5}\n    expect:\n      status: [200, 400]\n      error: ValidationException\n      jsonpath:\n        - {path: $.items, length: {max: 5}}\n",
    );
    let suite = suite.expect("loads");
    assert_eq!(suite.cases.len(), 1);
    assert_eq!(suite.cases[0].line, 2);
}

#[test]
fn yaml_1_1_words_are_text_and_only_true_false_are_booleans() {
    let suite = load_text(
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    request:\n      body: {values: [no, y, on, off, yes, n, true, false]}\n    expect: {status: 200}\n",
    )
    .expect("loads");
    let body = suite.cases[0].case.steps()[0].request.body.clone();
    assert_eq!(
        body,
        Some(serde_json::json!({"values": ["no", "y", "on", "off", "yes", "n", true, false]}))
    );
}

fn load_catalogue(catalogue: &str) -> Result<Suite, Vec<Diagnostic>> {
    load_with_requirements(
        &[SourceFile {
            name: "cases/t.yaml".into(),
            text: "cases:\n  - id: a\n    verifies: x\n    level: must\n    requirements: [LCJ-T-001]\n    expect: {status: 200}\n".into(),
        }],
        Some(&SourceFile {
            name: "cases/requirements.yaml".into(),
            text: catalogue.into(),
        }),
        SchemaSet::embedded().expect("schemas"),
    )
}

#[test]
fn judged_by_names_check_kinds_as_the_json_report_spells_them() {
    let suite = load_catalogue(
        "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [sort, json_path, no_duplicates]\n",
    )
    .expect("loads");
    let kinds: Vec<CheckKind> = suite.requirements[0]
        .judged_by
        .iter()
        .flatten()
        .map(|k| k.value)
        .collect();
    assert_eq!(
        kinds,
        [
            CheckKind::Sort,
            CheckKind::JsonPath,
            CheckKind::NoDuplicates
        ]
    );

    let unknown = load_catalogue(
        "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [sort, sorting]\n",
    )
    .expect_err("an unknown kind is refused");
    let text = unknown[0].to_string();
    assert!(text.contains("unknown variant `sorting`"), "{text}");
    assert!(text.contains("cases/requirements.yaml:6:"), "{text}");

    let everyone = load_catalogue(
        "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [filter, status]\n",
    )
    .expect_err("a kind that counts against every requirement is refused");
    let text = everyone[0].to_string();
    assert!(text.contains("lists `status` in judged_by"), "{text}");
    assert!(text.contains("cases/requirements.yaml:6:25"), "{text}");

    let loose = load_catalogue(
        "requirements:\n  - id: LCJ-T-001\n    level: must\n    section: S\n    statement: z\n    judged_by: [filter]\n    fallback_for: [sort]\n",
    )
    .expect_err("a fallback kind its own cases would not charge is refused");
    let text = loose[0].to_string();
    assert!(
        text.contains("lists `sort` in fallback_for but not in judged_by"),
        "{text}"
    );
    assert!(text.contains("cases/requirements.yaml:7:"), "{text}");
}

#[test]
fn an_explicit_null_is_an_expectation() {
    let suite = load_text(
        "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {body: null}\n    expect:\n      jsonpath:\n        - {path: $.nextToken, equals: null}\n",
    )
    .expect("loads");
    let case = &suite.cases[0].case;
    assert_eq!(
        case.request.as_ref().and_then(|r| r.body.clone()),
        Some(serde_json::Value::Null)
    );
    let assertion = &case.expect.as_ref().expect("expect").jsonpath[0];
    assert_eq!(assertion.equals, Some(serde_json::Value::Null));
}

#[test]
fn diagnostics_point_at_the_line() {
    insta::assert_snapshot!(
        "unknown_field",
        render(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      stauts: 200\n"
        )
    );
    insta::assert_snapshot!(
        "unknown_schema",
        render(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      schema: JobSumary\n"
        )
    );
    insta::assert_snapshot!(
        "bad_jsonpath",
        render(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    request: {}\n    expect:\n      jsonpath:\n        - {path: \"$.items[\", exists: true}\n"
        )
    );
    insta::assert_snapshot!(
        "duplicate_id",
        render(
            "cases:\n  - id: a\n    verifies: x\n    level: must\n    expect: {status: 200}\n  - id: a\n    verifies: y\n    level: info\n    expect: {status: 200}\n"
        )
    );
    insta::assert_snapshot!(
        "wrong_type",
        render("cases:\n  - id: a\n    verifies: x\n    level: sometimes\n    request: {}\n")
    );
}

/// Each rule that refuses a case which checks nothing, or could never
/// be sent as written, points at the line to fix and says what to
/// write instead.
#[test]
fn cases_that_check_nothing_or_cannot_be_sent_are_refused() {
    let case = |rest: &str| format!("cases:\n  - id: a\n    verifies: x\n    level: must\n{rest}");
    insta::assert_snapshot!("no_cases", render("cases: []\n"));
    insta::assert_snapshot!(
        "no_expectation",
        render(&case("    request: {body: {maxResults: 5}}\n"))
    );
    insta::assert_snapshot!(
        "step_without_expectation",
        render(&case(
            "    steps:\n      - name: first\n        expect: {status: 200}\n      - name: every page\n        walk: {}\n        expect: {semantics: [], oracle: false}\n"
        ))
    );
    insta::assert_snapshot!(
        "empty_any_of",
        render(&case("    expect:\n      status: 200\n      any_of: []\n"))
    );
    insta::assert_snapshot!(
        "status_out_of_range",
        render(&case("    expect:\n      status: [200, 1000]\n"))
    );
    insta::assert_snapshot!(
        "status_out_of_range_in_any_of",
        render(&case(
            "    expect:\n      any_of:\n        - {status: 200}\n        - {status: 42}\n"
        ))
    );
    insta::assert_snapshot!(
        "method_not_a_token",
        render(&case(
            "    request:\n      method: \"GET /jobs\"\n    expect: {status: 405}\n"
        ))
    );
    insta::assert_snapshot!(
        "absolute_url_path",
        render(&case(
            "    request:\n      path: https://macie2.us-east-1.amazonaws.com/jobs/list\n    expect: {status: 200}\n"
        ))
    );
    insta::assert_snapshot!(
        "relative_path",
        render(&case(
            "    request:\n      path: jobs/list\n    expect: {status: 200}\n"
        ))
    );
}

#[test]
fn methods_are_http_tokens() {
    for ok in ["POST", "GET", "M-SEARCH", "x!#$%&'*+.^_`|~9"] {
        assert!(crate::engine::case::is_http_token(ok), "{ok}");
    }
    for bad in [
        "", "GE T", "GET\t", "POST/", "GET:", "(GET)", "G\u{e9}T", "\"GET\"",
    ] {
        assert!(!crate::engine::case::is_http_token(bad), "{bad:?}");
    }
}

#[test]
fn a_step_snapshot_may_not_collide_with_another_case() {
    let text = "cases:\n  - id: coll.a\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n      - expect: {snapshot: true}\n  - id: coll.a.2\n    verifies: y\n    level: must\n    expect: {snapshot: true}\n";
    insta::assert_snapshot!("snapshot_collision", render(text));
    // File systems that ignore case make `Coll.A.2` the same file.
    let shouting = text.replace("id: coll.a.2", "id: Coll.A.2");
    assert!(render(&shouting).contains("writes snapshot `Coll.A.2`"));
    // Only snapshot-writing steps write files: the same names are fine
    // when one of them does not.
    let quiet = text.replace(
        "- expect: {snapshot: true}\n  - id: coll.a.2",
        "- expect: {status: 200}\n  - id: coll.a.2",
    );
    assert!(load_text(&quiet).is_ok());
    // A one-step case under `steps:` names its snapshot by its id alone.
    let one_step = "cases:\n  - id: b\n    verifies: x\n    level: must\n    steps:\n      - expect: {snapshot: true}\n  - id: b.1\n    verifies: y\n    level: must\n    expect: {snapshot: true}\n";
    assert!(load_text(one_step).is_ok());
}

#[test]
fn every_case_of_a_file_shows_its_first_problem() {
    let case =
        |id: &str, rest: &str| format!("  - id: {id}\n    verifies: x\n    level: must\n{rest}");
    let text = format!(
        "cases:\n{}{}{}{}",
        case("a", "    expect: {stauts: 200}\n"),
        case("b", "    expect: {status: 2000}\n"),
        case("ok", "    expect: {status: 200}\n"),
        case("c", "    expect:\n      status: 200\n      status: 201\n"),
    );
    insta::assert_snapshot!("every_case_first_problem", render(&text));
}

#[test]
fn a_file_shows_at_most_twenty_problems_and_counts_the_rest() {
    let mut text = String::from("cases:\n");
    for i in 0..25 {
        text += &format!(
            "  - id: c{i}\n    verifies: x\n    level: must\n    expect: {{stauts: 200}}\n"
        );
    }
    let d = load_text(&text).expect_err("refused");
    assert_eq!(d.len(), 21, "{d:?}");
    assert_eq!(d[20].message, "and 5 more problem(s) in this file");
    assert!(
        d[..20]
            .iter()
            .all(|d| d.message.starts_with("unknown field `stauts`"))
    );
}

#[test]
fn broken_yaml_shows_its_first_syntax_error_and_says_the_rest_waits() {
    let d = load_text("cases:\n  - id: a\n    verifies: [x\n  - id: b\n    level: x\n")
        .expect_err("refused");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        d[0].notes,
        ["the rest of this file is checked once this is fixed"]
    );
}

#[test]
fn several_catalogues_combine_and_govern_their_own_folders() {
    let file = |name: &str, text: &str| SourceFile {
        name: name.into(),
        text: text.into(),
    };
    let case = |id: &str, requirements: &str| {
        format!(
            "cases:\n  - id: {id}\n    verifies: x\n    level: must\n{requirements}    expect: {{status: 200}}\n"
        )
    };
    let catalogue = |id: &str| {
        format!("requirements:\n  - id: {id}\n    level: must\n    section: S\n    statement: z\n")
    };
    let files = [
        file(
            "cases/a.yaml",
            &case("a", "    requirements: [LCJ-T-001]\n"),
        ),
        file(
            "mine/b.yaml",
            &case("b", "    requirements: [LCJ-MINE-001, LCJ-T-001]\n"),
        ),
        // A folder without a catalogue: its case may name none.
        file("loose/c.yaml", &case("c", "")),
    ];
    let catalogues = [
        CatalogueSource {
            file: file("cases/requirements.yaml", &catalogue("LCJ-T-001")),
            case_files: vec!["cases/a.yaml".into()],
        },
        CatalogueSource {
            file: file("mine/requirements.yaml", &catalogue("LCJ-MINE-001")),
            case_files: vec!["mine/b.yaml".into()],
        },
    ];
    let schemas = SchemaSet::embedded().expect("schemas");
    let suite = load_with_catalogues(&files, &catalogues, schemas).expect("loads");
    let ids: Vec<&str> = suite.requirements.iter().map(Requirement::id).collect();
    assert_eq!(ids, ["LCJ-T-001", "LCJ-MINE-001"]);

    // The second catalogue reusing an id of the first, and a case of a
    // governed folder naming nothing.
    let mut clashing = catalogues.clone();
    clashing[1].file.text = catalogue("LCJ-T-001");
    let mut bare = files.clone();
    bare[1].text = case("b", "");
    let text: Vec<String> = load_with_catalogues(&bare, &clashing, schemas)
        .expect_err("refused")
        .iter()
        .map(ToString::to_string)
        .collect();
    let text = text.join("\n");
    assert!(
        text.contains("requirement id `LCJ-T-001` is already declared in cases/requirements.yaml")
            && text.contains("mine/requirements.yaml:2:"),
        "{text}"
    );
    let d = load_with_catalogues(&bare, &catalogues, schemas).expect_err("refused");
    let text: Vec<String> = d.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(
        text.contains("case `b` names no requirement") && text.contains("mine/requirements.yaml"),
        "{text}"
    );
    assert!(!text.contains("case `c`"), "{text}");
}

#[test]
fn a_variable_of_the_run_may_be_used_and_a_capture_may_shadow_it() {
    let schemas = SchemaSet::embedded().expect("schemas");
    let text = "cases:\n  - id: a.b\n    verifies: x\n    level: must\n    steps:\n      - request:\n          body: {maxResults: \"${page}\"}\n        expect: {status: 200}\n        capture: {page: $.nextToken}\n      - request:\n          body: {nextToken: \"${page}\"}\n        expect: {status: 200}\n";
    let files = [SourceFile {
        name: "cases/t.yaml".into(),
        text: text.into(),
    }];
    let defined: BTreeSet<String> = ["page".to_string()].into();
    let cli = Vocabulary::Cli;
    load_with_variables(&files, &[], schemas, &defined, cli).expect("loads with the variable");
    let problems = load_with_variables(&files, &[], schemas, &BTreeSet::new(), cli)
        .expect_err("the first step's ${page} is undefined without it");
    assert_eq!(problems.len(), 1, "the second step uses the capture");
    let shown = problems[0].to_string();
    assert!(shown.contains("cases/t.yaml:7:31"), "{shown}");
    assert!(shown.contains("no variables are defined"), "{shown}");
    assert!(shown.contains("--var page=VALUE"), "{shown}");
    // A cargo test user is told the builder's way.
    let problems = load_with_variables(
        &files,
        &[],
        schemas,
        &BTreeSet::new(),
        Vocabulary::CargoTest,
    )
    .expect_err("undefined");
    let shown = problems[0].to_string();
    assert!(shown.contains(".var(\"page\", VALUE)"), "{shown}");
    assert!(!shown.contains("--var"), "{shown}");
}

/// A case `r` whose steps are `steps` (YAML, indented as list items under
/// `steps:`); the first step line is line 6.
fn with_steps(steps: &str) -> String {
    format!("cases:\n  - id: r\n    verifies: x\n    level: must\n    steps:\n{steps}")
}

const WALK_A: &str = "      - name: a\n        walk: {}\n        expect: {status: 200}\n";

#[test]
fn relations_between_earlier_named_walks_load() {
    let text = with_steps(&format!(
        "{WALK_A}      - name: b\n        request: {{body: {{sortCriteria: {{attributeName: name, orderBy: DESC}}}}}}\n        walk: {{}}\n        expect:\n          relations:\n            - {{subset_of: a}}\n            - {{superset_of: a}}\n            - {{same_jobs_as: a}}\n            - {{disjoint_from: a}}\n            - {{reversed_from: a}}\n      - walk: {{}}\n        expect: {{relations: [{{complement_of: {{all: a, part: b}}}}]}}\n"
    ));
    let suite = load_text(&text).expect("loads");
    let steps = suite.cases[0].case.steps();
    assert_eq!(steps[1].expect.relations.len(), 5);
    assert!(
        steps[2].expect.expects_something(),
        "relations alone are an expectation"
    );
}

#[test]
fn relations_name_an_earlier_walk_of_the_case() {
    let cases = [
        (
            "a request step",
            format!(
                "{WALK_A}      - name: b\n        expect: {{status: 200, relations: [{{subset_of: a}}]}}\n"
            ),
            "cases/t.yaml:10:",
            "`relations` only apply to a page walk",
            "relations compare this step's whole listing: add `walk: {}` to this step",
        ),
        (
            "a misspelt name",
            "      - name: alpha\n        walk: {}\n        expect: {status: 200}\n      - walk: {}\n        expect: {relations: [{subset_of: alhpa}]}\n".to_string(),
            "cases/t.yaml:10:",
            "`subset_of: alhpa` names no step of this case",
            "did you mean `alpha`?",
        ),
        (
            "a later step",
            format!(
                "      - walk: {{}}\n        expect: {{relations: [{{superset_of: a}}]}}\n{WALK_A}"
            ),
            "cases/t.yaml:7:",
            "`superset_of: a` names a later step",
            "move the step it names above this one",
        ),
        (
            "itself",
            "      - name: a\n        walk: {}\n        expect: {relations: [{same_jobs_as: a}]}\n".to_string(),
            "cases/t.yaml:8:",
            "`same_jobs_as: a` names this very step",
            "move the step it names above this one",
        ),
        (
            "a name two steps carry",
            format!(
                "{WALK_A}{WALK_A}      - walk: {{}}\n        expect: {{relations: [{{complement_of: {{all: a, part: a}}}}]}}\n"
            ),
            "cases/t.yaml:13:",
            "is ambiguous: 2 steps of this case are named \"a\"",
            "give each step a name of its own",
        ),
        (
            "reversed_from without sortCriteria",
            format!("{WALK_A}      - walk: {{}}\n        expect: {{relations: [{{reversed_from: a}}]}}\n"),
            "cases/t.yaml:10:",
            "`reversed_from` needs the request to set sortCriteria, but it sets none",
            "sortCriteria: {attributeName: createdAt, orderBy: DESC}",
        ),
        (
            "reversed_from with half a sortCriteria",
            format!("{WALK_A}      - request: {{body: {{sortCriteria: {{attributeName: name}}}}}}\n        walk: {{}}\n        expect: {{relations: [{{reversed_from: a}}]}}\n"),
            "cases/t.yaml:11:",
            "but it sets no orderBy",
            "set both members",
        ),
    ];
    for (what, steps, at, message, help) in cases {
        let shown = render(&with_steps(&steps));
        assert!(shown.contains(at), "{what}: {shown}");
        assert!(shown.contains(message), "{what}: {shown}");
        assert!(shown.contains("= help: "), "{what}: {shown}");
        assert!(shown.contains(help), "{what}: {shown}");
    }
}

#[test]
fn reversed_from_trusts_a_sort_order_known_only_at_run_time() {
    let text = with_steps(
        "      - name: a\n        walk: {}\n        expect: {status: 200}\n        capture: {order: \"$.items[0].jobStatus\"}\n      - request: {body: {sortCriteria: {attributeName: name, orderBy: \"${order}\"}}}\n        walk: {}\n        expect: {relations: [{reversed_from: a}]}\n",
    );
    load_text(&text).expect("the body's sortCriteria is filled in at run time");
}

#[test]
fn a_relation_is_one_known_member() {
    for (relation, fragment) in [
        ("{subset: a}", "unknown variant `subset`"),
        (
            "{complement_of: {all: a, parts: a}}",
            "unknown field `parts`",
        ),
    ] {
        let shown = render(&with_steps(&format!(
            "{WALK_A}      - walk: {{}}\n        expect: {{relations: [{relation}]}}\n"
        )));
        assert!(shown.contains(fragment), "{relation}: {shown}");
        assert!(shown.contains("cases/t.yaml:10:"), "{relation}: {shown}");
    }
    // Two relations in one item are refused, not half read.
    assert!(load_text(&with_steps(&format!(
        "{WALK_A}      - walk: {{}}\n        expect: {{relations: [{{subset_of: a, superset_of: a}}]}}\n"
    )))
    .is_err());
}

#[test]
fn a_suite_origin_says_what_a_claim_rests_on() {
    let folder = |path: &str, cases| super::AddedFolder {
        path: path.into(),
        cases,
    };
    let mut origin = super::SuiteOrigin {
        no_builtin: false,
        builtin_digest: Some("ab12".into()),
        folders: Vec::new(),
    };
    assert_eq!(origin.describe(), "the built-in suite (digest ab12)");
    origin.folders = vec![folder("vendor", 8)];
    assert_eq!(
        origin.describe(),
        "the built-in suite (digest ab12) plus 1 local folder of 8 cases: vendor"
    );
    origin.folders.push(folder("more", 1));
    assert_eq!(
        origin.describe(),
        "the built-in suite (digest ab12) plus 2 local folders of 9 cases: vendor, more"
    );
    origin.no_builtin = true;
    origin.builtin_digest = None;
    assert!(origin.describe().starts_with("local cases only"));
}
