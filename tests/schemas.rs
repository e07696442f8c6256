//! The contract: every schema in `schemas/` compiles with format checking on,
//! is embedded, accepts what `ListClassificationJobs.txt` allows and refuses
//! what it does not; the job fixture and the OpenAPI description agree with
//! the schemas.

use macie_conform::schema::{SCHEMA_FILES, SchemaSet, Violation};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// JSON files in `schemas/` that describe the harness's own formats, not a
/// shape of the API document. They are the only ones not embedded.
const HARNESS_SCHEMAS: [&str; 2] = ["case.schema.json", "report.schema.json"];

/// Every enumeration of the document, with its values letter for letter.
const ENUMS: [(&str, &[&str]); 8] = [
    (
        "JobComparator",
        &[
            "EQ",
            "GT",
            "GTE",
            "LT",
            "LTE",
            "NE",
            "CONTAINS",
            "STARTS_WITH",
        ],
    ),
    (
        "JobStatus",
        &[
            "RUNNING",
            "PAUSED",
            "CANCELLED",
            "COMPLETE",
            "IDLE",
            "USER_PAUSED",
        ],
    ),
    ("JobType", &["ONE_TIME", "SCHEDULED"]),
    ("LastRunErrorStatusCode", &["NONE", "ERROR"]),
    (
        "ListJobsFilterKey",
        &["jobType", "jobStatus", "createdAt", "name"],
    ),
    (
        "ListJobsSortAttributeName",
        &["createdAt", "jobStatus", "name", "jobType"],
    ),
    ("OrderBy", &["ASC", "DESC"]),
    (
        "SimpleCriterionKeyForJob",
        &[
            "ACCOUNT_ID",
            "S3_BUCKET_NAME",
            "S3_BUCKET_EFFECTIVE_PERMISSION",
            "S3_BUCKET_SHARED_ACCESS",
        ],
    ),
];

/// Every object shape that is not an error body.
const OBJECTS: [&str; 15] = [
    "ListClassificationJobsRequest",
    "ListJobsFilterCriteria",
    "ListJobsFilterTerm",
    "ListJobsSortCriteria",
    "ListClassificationJobsResponse",
    "JobSummary",
    "UserPausedDetails",
    "S3BucketDefinitionForJob",
    "S3BucketCriteriaForJob",
    "CriteriaBlockForJob",
    "CriteriaForJob",
    "SimpleCriterionForJob",
    "TagCriterionForJob",
    "TagCriterionPairForJob",
    "LastRunErrorStatus",
];

/// Every response of the operation: status code and response model.
const RESPONSES: [(&str, &str); 8] = [
    ("200", "ListClassificationJobsResponse"),
    ("400", "ValidationException"),
    ("402", "ServiceQuotaExceededException"),
    ("403", "AccessDeniedException"),
    ("404", "ResourceNotFoundException"),
    ("409", "ConflictException"),
    ("429", "ThrottlingException"),
    ("500", "InternalServerException"),
];

/// The seven error bodies (every response model but the 200 one).
fn errors() -> impl Iterator<Item = &'static str> {
    RESPONSES.iter().skip(1).map(|(_, shape)| *shape)
}

/// Every shape of the document: 8 enums, 15 objects, 7 error bodies.
fn all_shapes() -> BTreeSet<&'static str> {
    ENUMS
        .iter()
        .map(|(name, _)| *name)
        .chain(OBJECTS)
        .chain(errors())
        .collect()
}

fn schemas() -> &'static SchemaSet {
    SchemaSet::embedded().expect("the embedded schemas compile")
}

fn validate(shape: &str, instance: &Value) -> Vec<Violation> {
    schemas()
        .validate(shape, instance)
        .unwrap_or_else(|e| panic!("{shape} is a known shape: {e}"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_dir() -> PathBuf {
    root().join("schemas")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// 1-2. The files themselves.

#[test]
fn every_schema_compiles() {
    if let Err(e) = SchemaSet::embedded() {
        panic!("the embedded schemas do not compile: {e}");
    }
    let compiled: BTreeSet<&str> = schemas().names().collect();
    let embedded: BTreeSet<&str> = SCHEMA_FILES.iter().map(|(name, _)| *name).collect();
    assert_eq!(compiled, embedded, "compiled shapes vs SCHEMA_FILES");
    assert_eq!(compiled, all_shapes(), "compiled shapes vs the document");
    assert_eq!(SCHEMA_FILES.len(), 30, "SCHEMA_FILES lists a shape twice");
    for shape in all_shapes() {
        assert!(schemas().contains(shape), "SchemaSet lacks {shape}");
    }
    assert!(!schemas().contains("JobSummary.json"));
    assert!(schemas().validate("NoSuchShape", &json!({})).is_err());
}

#[test]
fn every_schema_file_on_disk_is_embedded_and_vice_versa() {
    let mut on_disk = BTreeMap::new();
    for entry in std::fs::read_dir(schema_dir()).expect("list schemas/") {
        let path = entry.expect("schemas/ entry").path();
        let file = path.file_name().expect("file name").to_string_lossy();
        if file.ends_with(".json") && !HARNESS_SCHEMAS.contains(&file.as_ref()) {
            let shape = file.trim_end_matches(".json").to_string();
            on_disk.insert(shape, read(&path));
        }
    }
    for (shape, text) in SCHEMA_FILES {
        match on_disk.remove(*shape) {
            Some(disk) => assert_eq!(&disk, text, "{shape}.json: embedded text is stale"),
            None => panic!("{shape} is embedded but schemas/{shape}.json does not exist"),
        }
    }
    let forgotten: Vec<_> = on_disk.keys().collect();
    assert!(
        forgotten.is_empty(),
        "schema files not embedded: {forgotten:?}"
    );
    for file in HARNESS_SCHEMAS {
        assert!(schema_dir().join(file).is_file(), "{file} still exists");
    }
}

#[test]
fn every_schema_file_declares_dialect_title_and_description() {
    for (shape, text) in SCHEMA_FILES {
        let schema: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{shape}.json is not JSON: {e}"));
        assert_eq!(schema["$schema"], DIALECT, "{shape}.json: $schema");
        assert_eq!(schema["title"], *shape, "{shape}.json: title");
        let description = schema["description"].as_str().unwrap_or_default();
        assert!(
            !description.trim().is_empty(),
            "{shape}.json: description is missing or empty"
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Valid and invalid instances of every shape.

enum Outcome {
    Valid,
    /// Refused by `keyword`, reported at the JSON Pointer `at`.
    Invalid {
        keyword: &'static str,
        at: &'static str,
    },
}

struct Case {
    shape: &'static str,
    instance: Value,
    outcome: Outcome,
}

fn ok(shape: &'static str, instance: Value) -> Case {
    Case {
        outcome: Outcome::Valid,
        shape,
        instance,
    }
}

fn bad(shape: &'static str, instance: Value, keyword: &'static str, at: &'static str) -> Case {
    Case {
        outcome: Outcome::Invalid { keyword, at },
        shape,
        instance,
    }
}

/// What is wrong with `case`'s outcome, if anything.
fn mismatch(case: &Case) -> Option<String> {
    let Case {
        shape, instance, ..
    } = case;
    let violations = validate(shape, instance);
    match case.outcome {
        Outcome::Valid if violations.is_empty() => None,
        Outcome::Valid => Some(format!("{shape} should accept {instance}: {violations:#?}")),
        Outcome::Invalid { keyword, at } => {
            let hit = |v: &Violation| v.keyword == keyword && v.instance_path == at;
            (!violations.iter().any(hit)).then(|| {
                format!(
                    "{shape} should refuse {instance} with `{keyword}` at {at:?}, got {violations:#?}"
                )
            })
        }
    }
}

fn run(cases: &[Case]) {
    let failures: Vec<String> = cases.iter().filter_map(mismatch).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// `value` in lower case, in upper case and with its first letter's case
/// flipped, leaving out whichever of these is `value` itself.
fn other_cases(value: &str) -> Vec<String> {
    let mut chars = value.chars();
    let first = chars.next().expect("enum values are not empty");
    let flipped_first = if first.is_uppercase() {
        first.to_lowercase().collect::<String>()
    } else {
        first.to_uppercase().collect()
    };
    let variants = [
        value.to_lowercase(),
        value.to_uppercase(),
        flipped_first + chars.as_str(),
    ];
    let others: BTreeSet<String> = variants.into_iter().filter(|v| v != value).collect();
    assert!(!others.is_empty(), "{value} has no other case");
    others.into_iter().collect()
}

/// Every value of every enum; other spellings, unknown values and
/// non-strings refused.
fn enum_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (shape, values) in ENUMS {
        for value in values {
            cases.push(ok(shape, json!(value)));
            for other in other_cases(value) {
                cases.push(bad(shape, json!(other), "enum", ""));
            }
            cases.push(bad(shape, json!(format!(" {value}")), "enum", ""));
        }
        cases.push(bad(shape, json!("UNKNOWN_VALUE"), "enum", ""));
        cases.push(bad(shape, json!(""), "enum", ""));
        cases.push(bad(shape, json!(null), "type", ""));
        cases.push(bad(shape, json!(1), "type", ""));
    }
    cases
}

fn request_cases() -> Vec<Case> {
    const R: &str = "ListClassificationJobsRequest";
    vec![
        ok(R, json!({})),
        ok(
            R,
            json!({
                "filterCriteria": {
                    "includes": [{"key": "jobStatus", "comparator": "EQ", "values": ["RUNNING"]}],
                    "excludes": [{"key": "createdAt", "comparator": "LT", "values": ["2024-01-01T00:00:00Z"]}]
                },
                "nextToken": "abc",
                "maxResults": 25,
                "sortCriteria": {"attributeName": "name", "orderBy": "DESC"}
            }),
        ),
        bad(R, json!([]), "type", ""),
        bad(R, json!({"nextToken": 5}), "type", "/nextToken"),
        // OC-13: a server may ignore undocumented members, so they are valid.
        ok(R, json!({"pageSize": 5})),
        bad(R, json!({"filterCriteria": []}), "anyOf", "/filterCriteria"),
        bad(
            R,
            json!({"sortCriteria": {"orderBy": "asc"}}),
            "anyOf",
            "/sortCriteria",
        ),
        // OC-15: null may be treated as absent, so it is valid.
        ok(
            R,
            json!({"filterCriteria": null, "sortCriteria": null, "nextToken": null, "maxResults": null}),
        ),
        ok(
            R,
            json!({"filterCriteria": {"includes": null, "excludes": null}, "sortCriteria": {"attributeName": null, "orderBy": null}}),
        ),
        ok("ListJobsFilterCriteria", json!({})),
        ok(
            "ListJobsFilterCriteria",
            json!({"includes": [], "excludes": [{"key": "name", "comparator": "CONTAINS", "values": ["pii"]}]}),
        ),
        bad(
            "ListJobsFilterCriteria",
            json!({"includes": {}}),
            "type",
            "/includes",
        ),
        bad(
            "ListJobsFilterCriteria",
            json!({"excludes": [{"key": "jobId", "comparator": "EQ", "values": ["a"]}]}),
            "enum",
            "/excludes/0/key",
        ),
        bad(
            "ListJobsFilterCriteria",
            json!({"includes": [null]}),
            "type",
            "/includes/0",
        ),
        ok("ListJobsFilterCriteria", json!({"include": []})),
        // A condition is a key, a comparator and at least one value
        // (LCJ-REQ-002), although the member table marks each optional.
        bad("ListJobsFilterTerm", json!({}), "required", ""),
        bad(
            "ListJobsFilterTerm",
            json!({"comparator": "EQ", "values": ["a"]}),
            "required",
            "",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "name", "values": ["a"]}),
            "required",
            "",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "name", "comparator": "EQ"}),
            "required",
            "",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "name", "comparator": "EQ", "values": []}),
            "minItems",
            "/values",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": null, "comparator": "EQ", "values": ["a"]}),
            "type",
            "/key",
        ),
        ok(
            "ListJobsFilterTerm",
            json!({"key": "jobType", "comparator": "NE", "values": ["ONE_TIME", "SCHEDULED"]}),
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "jobStatus", "comparator": "EQ", "values": "RUNNING"}),
            "type",
            "/values",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "name", "comparator": "EQ", "values": [1]}),
            "type",
            "/values/0",
        ),
        bad(
            "ListJobsFilterTerm",
            json!({"key": "name", "comparator": "eq", "values": ["a"]}),
            "enum",
            "/comparator",
        ),
        ok(
            "ListJobsFilterTerm",
            json!({"key": "name", "comparator": "EQ", "values": ["a"], "value": "x"}),
        ),
        ok("ListJobsSortCriteria", json!({})),
        ok(
            "ListJobsSortCriteria",
            json!({"attributeName": "createdAt", "orderBy": "ASC"}),
        ),
        bad(
            "ListJobsSortCriteria",
            json!({"attributeName": "jobId"}),
            "anyOf",
            "/attributeName",
        ),
        ok(
            "ListJobsSortCriteria",
            json!({"attributeName": "name", "order": "ASC"}),
        ),
    ]
}

/// maxResults is an int32 that can be a page size: 0 and negatives must be
/// refused (LCJ-ERR-003), and which values from 1 up are honoured is OC-2.
fn max_results_cases() -> Vec<Case> {
    const R: &str = "ListClassificationJobsRequest";
    let n = |v: Value| json!({ "maxResults": v });
    vec![
        ok(R, n(json!(1))),
        ok(R, n(json!(2_147_483_647))),
        bad(R, n(json!(0)), "minimum", "/maxResults"),
        bad(R, n(json!(-1)), "minimum", "/maxResults"),
        bad(R, n(json!(-2_147_483_648_i64)), "minimum", "/maxResults"),
        bad(R, n(json!(2_147_483_648_u64)), "maximum", "/maxResults"),
        bad(R, n(json!(-2_147_483_649_i64)), "minimum", "/maxResults"),
        bad(R, n(json!(1.5)), "type", "/maxResults"),
        bad(R, n(json!("10")), "type", "/maxResults"),
        ok(R, n(json!(null))),
    ]
}

/// A USER_PAUSED job with bucket definitions and pause details.
fn paused_job() -> Value {
    json!({
        "jobId": "a1",
        "name": "scan",
        "jobType": "ONE_TIME",
        "jobStatus": "USER_PAUSED",
        "createdAt": "2024-01-01T00:00:00.123Z",
        "lastRunErrorStatus": {"code": "NONE"},
        "bucketDefinitions": [{"accountId": "111122223333", "buckets": ["b"]}],
        "userPausedDetails": {
            "jobPausedAt": "2024-01-02T00:00:00Z",
            "jobExpiresAt": "2024-02-01T00:00:00Z",
            "jobImminentExpirationHealthEventArn": null
        }
    })
}

/// A RUNNING job that selects buckets by criteria.
fn criteria_job() -> Value {
    json!({
        "jobId": "b2",
        "name": "criteria",
        "jobType": "SCHEDULED",
        "jobStatus": "RUNNING",
        "createdAt": "2024-01-01T00:00:00Z",
        "lastRunErrorStatus": {"code": "ERROR"},
        "bucketCriteria": {
            "includes": {"and": [{"simpleCriterion": {"comparator": "EQ", "key": "S3_BUCKET_NAME", "values": ["a"]}}]},
            "excludes": {"and": [{"tagCriterion": {"comparator": "NE", "tagValues": [{"key": "env", "value": "prod"}]}}]}
        }
    })
}

fn with(mut value: Value, pointer: &str, member: Value) -> Value {
    let slot = value.pointer_mut(pointer);
    *slot.unwrap_or_else(|| panic!("{pointer} exists")) = member;
    value
}

/// `value` with one more top-level member.
fn plus(mut value: Value, member: &str, added: Value) -> Value {
    value[member] = added;
    value
}

fn without(mut value: Value, member: &str) -> Value {
    value.as_object_mut().expect("an object").remove(member);
    value
}

fn job_summary_cases() -> Vec<Case> {
    const J: &str = "JobSummary";
    let both = plus(
        paused_job(),
        "bucketCriteria",
        criteria_job()["bucketCriteria"].clone(),
    );
    vec![
        ok(J, json!({})),
        ok(J, paused_job()),
        ok(J, criteria_job()),
        ok(J, without(paused_job(), "userPausedDetails")),
        ok(J, with(criteria_job(), "/jobStatus", json!("USER_PAUSED"))),
        bad(J, json!([]), "type", ""),
        bad(J, with(paused_job(), "/jobId", json!(1)), "type", "/jobId"),
        // OC-20: every member is optional, and null reads as absent.
        ok(J, with(paused_job(), "/name", json!(null))),
        ok(J, plus(criteria_job(), "userPausedDetails", json!(null))),
        ok(J, plus(paused_job(), "bucketCriteria", json!(null))),
        ok(J, plus(criteria_job(), "bucketDefinitions", json!(null))),
        bad(
            J,
            with(criteria_job(), "/jobStatus", json!("running")),
            "enum",
            "/jobStatus",
        ),
        bad(
            J,
            with(paused_job(), "/jobType", json!("DAILY")),
            "enum",
            "/jobType",
        ),
        bad(
            J,
            with(paused_job(), "/lastRunErrorStatus/code", json!("WARN")),
            "enum",
            "/lastRunErrorStatus/code",
        ),
        bad(J, both, "not", ""),
        bad(
            J,
            with(paused_job(), "/jobStatus", json!("RUNNING")),
            "const",
            "/jobStatus",
        ),
        bad(J, without(paused_job(), "jobStatus"), "required", ""),
        bad(
            J,
            with(paused_job(), "/bucketDefinitions", json!({})),
            "type",
            "/bucketDefinitions",
        ),
        bad(
            J,
            with(criteria_job(), "/bucketCriteria", json!([])),
            "type",
            "/bucketCriteria",
        ),
        ok(J, with(paused_job(), "/userPausedDetails", json!(null))),
        bad(
            J,
            with(paused_job(), "/userPausedDetails", json!("x")),
            "type",
            "/userPausedDetails",
        ),
        bad(
            J,
            plus(paused_job(), "colour", json!("red")),
            "additionalProperties",
            "",
        ),
    ]
}

fn paused_details_cases() -> Vec<Case> {
    const U: &str = "UserPausedDetails";
    vec![
        ok(U, json!({})),
        ok(U, paused_job()["userPausedDetails"].clone()),
        ok(
            U,
            json!({"jobImminentExpirationHealthEventArn": "arn:aws:health:us-east-1::event/MACIE/x"}),
        ),
        bad(
            U,
            json!({"jobImminentExpirationHealthEventArn": 5}),
            "type",
            "/jobImminentExpirationHealthEventArn",
        ),
        bad(
            U,
            json!({"pausedAt": "2024-01-01T00:00:00Z"}),
            "additionalProperties",
            "",
        ),
        bad(U, json!("2024-01-01T00:00:00Z"), "type", ""),
    ]
}

/// Where each timestamp lives in a JobSummary.
const TIMESTAMPS: [&str; 3] = [
    "/createdAt",
    "/userPausedDetails/jobPausedAt",
    "/userPausedDetails/jobExpiresAt",
];

/// createdAt, jobPausedAt and jobExpiresAt are RFC 3339 date-times.
fn timestamp_cases() -> Vec<Case> {
    let good = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123Z"];
    let malformed = [
        "2024-01-01",
        "yesterday",
        "2024-01-01T00:00:00",
        "2024-13-01T00:00:00Z",
        "",
    ];
    let mut cases = Vec::new();
    for at in TIMESTAMPS {
        let job = |v: Value| with(paused_job(), at, v);
        cases.extend(good.map(|t| ok("JobSummary", job(json!(t)))));
        cases.extend(malformed.map(|t| bad("JobSummary", job(json!(t)), "format", at)));
        cases.push(bad("JobSummary", job(json!(1_700_000_000)), "type", at));
        // OC-20: an optional member written as null reads as absent.
        cases.push(ok("JobSummary", job(json!(null))));
    }
    cases
}

fn bucket_definition_cases() -> Vec<Case> {
    const D: &str = "S3BucketDefinitionForJob";
    vec![
        ok(
            D,
            json!({"accountId": "111122223333", "buckets": ["a", "b"]}),
        ),
        ok(D, json!({"accountId": "111122223333", "buckets": []})),
        bad(D, json!({"buckets": ["a"]}), "required", ""),
        bad(D, json!({"accountId": "111122223333"}), "required", ""),
        bad(D, json!({}), "required", ""),
        bad(
            D,
            json!({"accountId": 1, "buckets": []}),
            "type",
            "/accountId",
        ),
        bad(
            D,
            json!({"accountId": "1", "buckets": "a"}),
            "type",
            "/buckets",
        ),
        bad(
            D,
            json!({"accountId": "1", "buckets": [1]}),
            "type",
            "/buckets/0",
        ),
        bad(
            D,
            json!({"accountId": "1", "buckets": [], "region": "eu-west-1"}),
            "additionalProperties",
            "",
        ),
        bad(
            "JobSummary",
            with(
                paused_job(),
                "/bucketDefinitions/0",
                json!({"buckets": ["b"]}),
            ),
            "required",
            "/bucketDefinitions/0",
        ),
    ]
}

fn bucket_criteria_cases() -> Vec<Case> {
    let criteria = criteria_job()["bucketCriteria"].clone();
    let simple = json!({"comparator": "EQ", "key": "ACCOUNT_ID", "values": ["111122223333"]});
    let tag = json!({"comparator": "NE", "tagValues": [{"key": "env", "value": "prod"}, {"key": "team"}, {"value": "pii"}]});
    vec![
        ok("S3BucketCriteriaForJob", json!({})),
        ok("S3BucketCriteriaForJob", criteria.clone()),
        bad(
            "S3BucketCriteriaForJob",
            with(
                criteria.clone(),
                "/includes/and/0/simpleCriterion/key",
                json!("BUCKET"),
            ),
            "enum",
            "/includes/and/0/simpleCriterion/key",
        ),
        bad(
            "S3BucketCriteriaForJob",
            with(criteria, "/excludes", json!([])),
            "type",
            "/excludes",
        ),
        bad(
            "S3BucketCriteriaForJob",
            json!({"or": {}}),
            "additionalProperties",
            "",
        ),
        ok("CriteriaBlockForJob", json!({})),
        ok(
            "CriteriaBlockForJob",
            json!({"and": [{}, {"simpleCriterion": simple.clone()}]}),
        ),
        bad("CriteriaBlockForJob", json!({"and": {}}), "type", "/and"),
        bad(
            "CriteriaBlockForJob",
            json!({"or": []}),
            "additionalProperties",
            "",
        ),
        ok(
            "CriteriaForJob",
            json!({"simpleCriterion": simple.clone(), "tagCriterion": tag.clone()}),
        ),
        ok("CriteriaForJob", json!({})),
        bad(
            "CriteriaForJob",
            json!({"simpleCriterion": []}),
            "type",
            "/simpleCriterion",
        ),
        bad(
            "CriteriaForJob",
            json!({"other": {}}),
            "additionalProperties",
            "",
        ),
        ok("SimpleCriterionForJob", simple),
        ok("SimpleCriterionForJob", json!({})),
        bad(
            "SimpleCriterionForJob",
            json!({"values": "a"}),
            "type",
            "/values",
        ),
        bad(
            "SimpleCriterionForJob",
            json!({"key": "s3_bucket_name"}),
            "enum",
            "/key",
        ),
        bad(
            "SimpleCriterionForJob",
            json!({"comparator": "eq"}),
            "enum",
            "/comparator",
        ),
        bad(
            "SimpleCriterionForJob",
            json!({"comparator": "GT"}),
            "enum",
            "/comparator",
        ),
        bad(
            "SimpleCriterionForJob",
            json!({"tagValues": []}),
            "additionalProperties",
            "",
        ),
        ok("TagCriterionForJob", tag),
        ok("TagCriterionForJob", json!({"tagValues": [{}]})),
        bad(
            "TagCriterionForJob",
            json!({"tagValues": {}}),
            "type",
            "/tagValues",
        ),
        bad(
            "TagCriterionForJob",
            json!({"comparator": "ne"}),
            "enum",
            "/comparator",
        ),
        bad(
            "TagCriterionForJob",
            json!({"comparator": "CONTAINS"}),
            "enum",
            "/comparator",
        ),
        bad(
            "TagCriterionForJob",
            json!({"values": []}),
            "additionalProperties",
            "",
        ),
        ok(
            "TagCriterionPairForJob",
            json!({"key": "env", "value": "prod"}),
        ),
        ok("TagCriterionPairForJob", json!({"key": "env"})),
        bad(
            "TagCriterionPairForJob",
            json!({"key": "k", "value": 2}),
            "type",
            "/value",
        ),
        bad(
            "TagCriterionPairForJob",
            json!({"Key": "k"}),
            "additionalProperties",
            "",
        ),
    ]
}

fn last_run_cases() -> Vec<Case> {
    const L: &str = "LastRunErrorStatus";
    vec![
        ok(L, json!({})),
        ok(L, json!({"code": "ERROR"})),
        ok(L, json!({"code": "NONE"})),
        bad(L, json!({"code": "error"}), "enum", "/code"),
        ok(L, json!({"code": null})),
        bad(
            L,
            json!({"code": "NONE", "message": "x"}),
            "additionalProperties",
            "",
        ),
        bad(L, json!("NONE"), "type", ""),
    ]
}

fn response_cases() -> Vec<Case> {
    const R: &str = "ListClassificationJobsResponse";
    vec![
        ok(R, json!({})),
        ok(R, json!({"items": []})),
        ok(
            R,
            json!({"items": [paused_job(), criteria_job()], "nextToken": "t"}),
        ),
        ok(R, json!({"items": [], "nextToken": null})),
        // OC-23: a page without jobs may write items as null.
        ok(R, json!({"items": null})),
        bad(R, json!({"items": {}}), "type", "/items"),
        bad(R, json!({"items": [null]}), "type", "/items/0"),
        bad(
            R,
            json!({"items": [], "nextToken": 5}),
            "type",
            "/nextToken",
        ),
        bad(
            R,
            json!({"items": [criteria_job(), with(criteria_job(), "/jobStatus", json!("running"))]}),
            "enum",
            "/items/1/jobStatus",
        ),
        bad(
            R,
            json!({"items": [], "NextToken": "t"}),
            "additionalProperties",
            "",
        ),
        bad(R, json!([]), "type", ""),
    ]
}

fn error_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for error in errors() {
        cases.push(ok(error, json!({"message": "x"})));
        cases.push(ok(error, json!({})));
        cases.push(ok(
            error,
            json!({"message": "x", "__type": "ValidationException"}),
        ));
        cases.push(bad(error, json!({"message": 5}), "type", "/message"));
        // Optional in the document, so null is valid; that an error body
        // carries a message is a should-level convention, checked apart.
        cases.push(ok(error, json!({"message": null})));
        cases.push(bad(
            error,
            json!({"message": "x", "detail": "y"}),
            "additionalProperties",
            "",
        ));
        cases.push(bad(error, json!("oops"), "type", ""));
    }
    cases
}

/// Every table, for the coverage check.
fn all_cases() -> Vec<Case> {
    [
        enum_cases(),
        request_cases(),
        max_results_cases(),
        job_summary_cases(),
        paused_details_cases(),
        timestamp_cases(),
        bucket_definition_cases(),
        bucket_criteria_cases(),
        last_run_cases(),
        response_cases(),
        error_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn every_shape_has_valid_and_invalid_instances() {
    let cases = all_cases();
    for shape in all_shapes() {
        let of_shape = || cases.iter().filter(move |c| c.shape == shape);
        let valid = of_shape().filter(|c| matches!(c.outcome, Outcome::Valid));
        assert!(valid.count() > 0, "no valid instance of {shape}");
        let invalid = of_shape().filter(|c| matches!(c.outcome, Outcome::Invalid { .. }));
        assert!(invalid.count() > 0, "no invalid instance of {shape}");
    }
    let unknown: BTreeSet<_> = cases
        .iter()
        .map(|c| c.shape)
        .filter(|s| !all_shapes().contains(s))
        .collect();
    assert!(unknown.is_empty(), "cases for unknown shapes: {unknown:?}");
}

#[test]
fn enums_accept_every_value_letter_for_letter_and_nothing_else() {
    run(&enum_cases());
}

#[test]
fn enum_schemas_list_exactly_the_documented_values() {
    for (shape, values) in ENUMS {
        let (_, text) = SCHEMA_FILES
            .iter()
            .find(|(name, _)| *name == shape)
            .unwrap_or_else(|| panic!("{shape} is embedded"));
        let schema: Value = serde_json::from_str(text).expect("schema is JSON");
        let listed: BTreeSet<&str> = schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{shape}.json has an enum array"))
            .iter()
            .map(|v| v.as_str().expect("enum values are strings"))
            .collect();
        let documented: BTreeSet<&str> = values.iter().copied().collect();
        assert_eq!(listed, documented, "{shape}.json enum vs the document");
    }
}

#[test]
fn request_shapes() {
    run(&request_cases());
}

#[test]
fn max_results_is_a_32_bit_integer() {
    run(&max_results_cases());
}

#[test]
fn job_summary_shape_and_its_rules() {
    run(&job_summary_cases());
}

#[test]
fn user_paused_details_shape() {
    run(&paused_details_cases());
}

#[test]
fn timestamps_are_date_times() {
    run(&timestamp_cases());
}

#[test]
fn bucket_definitions_require_account_and_buckets() {
    run(&bucket_definition_cases());
}

#[test]
fn bucket_criteria_shapes() {
    run(&bucket_criteria_cases());
}

#[test]
fn last_run_error_status_shape() {
    run(&last_run_cases());
}

#[test]
fn response_shape() {
    run(&response_cases());
}

#[test]
fn error_bodies() {
    run(&error_cases());
}

#[test]
fn an_undocumented_member_is_flagged_at_the_job() {
    let extra = plus(paused_job(), "colour", json!("red"));
    let alone = validate("JobSummary", &extra);
    assert_eq!(alone.len(), 1, "JobSummary with `colour`: {alone:#?}");
    assert_eq!(alone[0].keyword, "additionalProperties");
    assert!(alone[0].undocumented, "JobSummary `colour` is undocumented");
    assert_eq!(
        alone[0].instance_path, "",
        "JobSummary `colour` at the root"
    );

    let page = json!({"items": [criteria_job(), extra]});
    let listed = validate("ListClassificationJobsResponse", &page);
    assert_eq!(
        listed.len(),
        1,
        "response with `colour` on job 1: {listed:#?}"
    );
    assert!(listed[0].undocumented, "response: `colour` is undocumented");
    assert_eq!(
        listed[0].instance_path, "/items/1",
        "response: path to job 1"
    );

    let wrong = json!({"items": [with(criteria_job(), "/name", json!(1))]});
    let typed = validate("ListClassificationJobsResponse", &wrong);
    assert_eq!(typed.len(), 1, "response with a numeric name: {typed:#?}");
    assert!(!typed[0].undocumented, "a wrong type is not `undocumented`");
    assert_eq!(typed[0].instance_path, "/items/0/name");
}

// ---------------------------------------------------------------------------
// 4. The job fixture.

fn fixture() -> Vec<Value> {
    let text = read(&root().join("cases/fixtures/jobs.json"));
    serde_json::from_str(&text).expect("cases/fixtures/jobs.json is a JSON array")
}

/// The string values at `pointer` over all jobs.
fn strings<'a>(jobs: &'a [Value], pointer: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    jobs.iter()
        .filter_map(move |job| job.pointer(pointer).and_then(Value::as_str))
}

fn documented(shape: &str) -> BTreeSet<&'static str> {
    let (_, values) = ENUMS
        .iter()
        .find(|(name, _)| *name == shape)
        .unwrap_or_else(|| panic!("{shape} is an enum"));
    values.iter().copied().collect()
}

/// Every criterion (`CriteriaForJob`) in the jobs' bucketCriteria blocks.
fn criteria(jobs: &[Value]) -> impl Iterator<Item = &Value> {
    jobs.iter()
        .flat_map(|job| {
            [
                "/bucketCriteria/includes/and",
                "/bucketCriteria/excludes/and",
            ]
            .map(|p| job.pointer(p))
        })
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
}

#[test]
fn every_fixture_job_is_a_valid_job_summary() {
    for (i, job) in fixture().iter().enumerate() {
        let violations = validate("JobSummary", job);
        assert!(
            violations.is_empty(),
            "fixture job {i} ({}) breaks JobSummary: {violations:#?}",
            job["jobId"]
        );
    }
}

#[test]
fn the_fixture_is_a_valid_response() {
    let page = json!({ "items": fixture() });
    let violations = validate("ListClassificationJobsResponse", &page);
    assert!(
        violations.is_empty(),
        "the fixture breaks ListClassificationJobsResponse: {violations:#?}"
    );
}

#[test]
fn the_fixture_has_60_to_100_jobs_with_unique_ids() {
    let jobs = fixture();
    assert!((60..=100).contains(&jobs.len()), "{} jobs", jobs.len());
    let ids: BTreeSet<&str> = strings(&jobs, "/jobId").collect();
    assert_eq!(ids.len(), jobs.len(), "every job has a jobId, all distinct");
}

#[test]
fn the_fixture_uses_every_enum_value() {
    let jobs = fixture();
    let simple_keys: BTreeSet<&str> = criteria(&jobs)
        .filter_map(|c| c.pointer("/simpleCriterion/key").and_then(Value::as_str))
        .collect();
    let used = [
        ("JobStatus", strings(&jobs, "/jobStatus").collect()),
        ("JobType", strings(&jobs, "/jobType").collect()),
        (
            "LastRunErrorStatusCode",
            strings(&jobs, "/lastRunErrorStatus/code").collect(),
        ),
        ("SimpleCriterionKeyForJob", simple_keys),
    ];
    for (shape, values) in used {
        assert_eq!(values, documented(shape), "fixture's {shape} values");
    }
}

#[test]
fn the_fixture_uses_every_way_of_selecting_buckets() {
    let jobs = fixture();
    let having = |pointer: &str| jobs.iter().filter(|j| j.pointer(pointer).is_some()).count();
    for pointer in [
        "/bucketDefinitions",
        "/bucketCriteria",
        "/bucketCriteria/includes",
        "/bucketCriteria/excludes",
    ] {
        assert!(having(pointer) > 0, "no fixture job has {pointer}");
    }
    for member in ["tagCriterion", "simpleCriterion"] {
        assert!(
            criteria(&jobs).any(|c| c.get(member).is_some()),
            "no fixture bucket criterion uses {member}"
        );
    }
}

#[test]
fn the_fixture_has_pause_details_exactly_on_user_paused_jobs() {
    let jobs = fixture();
    let mut paused_with_details = 0;
    for job in &jobs {
        let paused = job["jobStatus"] == "USER_PAUSED";
        let details = job.get("userPausedDetails").is_some();
        assert!(
            paused || !details,
            "fixture job {} has userPausedDetails but is {}",
            job["jobId"],
            job["jobStatus"]
        );
        paused_with_details += usize::from(paused && details);
    }
    assert!(paused_with_details > 0, "no USER_PAUSED job with details");
}

/// How many jobs share each value at `pointer`.
fn tally<'a>(jobs: &'a [Value], pointer: &'a str) -> BTreeMap<&'a str, usize> {
    let mut seen = BTreeMap::new();
    for value in strings(jobs, pointer) {
        *seen.entry(value).or_insert(0) += 1;
    }
    seen
}

#[test]
fn the_fixture_has_ties_and_awkward_names() {
    let jobs = fixture();
    assert!(
        tally(&jobs, "/createdAt").values().any(|&n| n > 1),
        "no two fixture jobs share a createdAt"
    );
    assert!(
        tally(&jobs, "/name").values().any(|&n| n > 1),
        "no two fixture jobs share a name"
    );
    let names: BTreeSet<&str> = strings(&jobs, "/name").collect();
    let folded: BTreeSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert!(
        folded.len() < names.len(),
        "no two fixture names differ only in case"
    );
    assert!(
        names.iter().any(|n| !n.is_ascii()),
        "no non-ASCII fixture name"
    );
}

// ---------------------------------------------------------------------------
// 5. The OpenAPI description.

fn openapi() -> Value {
    let text = read(&schema_dir().join("openapi.yaml"));
    serde_saphyr::from_str(&text).expect("schemas/openapi.yaml is YAML")
}

fn operation(doc: &Value) -> &Value {
    let op = &doc["paths"]["/jobs/list"]["post"];
    assert!(op.is_object(), "openapi.yaml has no POST /jobs/list");
    op
}

fn json_schema_ref(body: &Value) -> Option<&str> {
    body["content"]["application/json"]["schema"]["$ref"].as_str()
}

#[test]
fn openapi_is_3_1_with_the_operation() {
    let doc = openapi();
    let version = doc["openapi"].as_str().expect("openapi: is a string");
    assert!(version.starts_with("3.1."), "openapi: {version}, not 3.1.x");
    assert_eq!(operation(&doc)["operationId"], "ListClassificationJobs");
}

#[test]
fn openapi_request_body_is_the_request_shape() {
    let doc = openapi();
    let body = &operation(&doc)["requestBody"];
    assert_eq!(
        json_schema_ref(body),
        Some("./ListClassificationJobsRequest.json"),
        "request body schema"
    );
}

#[test]
fn openapi_responses_are_the_documented_ones() {
    let doc = openapi();
    let responses = operation(&doc)["responses"]
        .as_object()
        .expect("responses is a map");
    let listed: BTreeSet<&str> = responses.keys().map(String::as_str).collect();
    let documented: BTreeSet<&str> = RESPONSES.iter().map(|(code, _)| *code).collect();
    assert_eq!(listed, documented, "response status codes");
    for (status, shape) in RESPONSES {
        let expected = format!("./{shape}.json");
        assert_eq!(
            json_schema_ref(&responses[status]),
            Some(expected.as_str()),
            "response {status} schema"
        );
        assert!(
            schema_dir().join(format!("{shape}.json")).is_file(),
            "response {status} refers to {expected}, which does not exist"
        );
        assert!(schemas().contains(shape), "{shape} is embedded");
    }
}

#[test]
fn times_are_in_utc() {
    let set = SchemaSet::embedded().expect("schemas");
    for (shape, member) in [
        ("JobSummary", "createdAt"),
        ("UserPausedDetails", "jobPausedAt"),
        ("UserPausedDetails", "jobExpiresAt"),
    ] {
        for ok in [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.5z",
            "2024-01-01T00:00:00+00:00",
        ] {
            let v = set
                .validate(shape, &serde_json::json!({ member: ok }))
                .expect("shape");
            assert!(v.is_empty(), "{shape}.{member} = {ok}: {v:?}");
        }
        let v = set
            .validate(
                shape,
                &serde_json::json!({ member: "2024-01-01T02:00:00+02:00" }),
            )
            .expect("shape");
        assert!(
            v.iter().any(|x| x.keyword == "pattern"),
            "{shape}.{member}: an offset other than UTC is refused: {v:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The contract agrees with docs/open-choices.md
// ---------------------------------------------------------------------------

/// The request objects: every one a client sends, at any depth.
const REQUEST_OBJECTS: [&str; 4] = [
    "ListClassificationJobsRequest",
    "ListJobsFilterCriteria",
    "ListJobsFilterTerm",
    "ListJobsSortCriteria",
];

/// The rows of the open-choices table: id (`OC-13`) to the row's text.
fn open_choices() -> BTreeMap<String, String> {
    let text = read(&root().join("docs/open-choices.md"));
    text.lines()
        .filter_map(|line| {
            let id = line.strip_prefix("| OC-")?.split(' ').next()?;
            Some((format!("OC-{id}"), line.to_string()))
        })
        .collect()
}

/// The smallest valid instance of a request object.
fn minimal(shape: &str) -> Value {
    match shape {
        "ListJobsFilterTerm" => json!({"key": "name", "comparator": "EQ", "values": ["a"]}),
        "S3BucketDefinitionForJob" => json!({"accountId": "111122223333", "buckets": []}),
        _ => json!({}),
    }
}

fn schema_file(shape: &str) -> Value {
    let text = read(&schema_dir().join(format!("{shape}.json")));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{shape}.json: {e}"))
}

/// The cases of a suite file by id.
fn suite_cases(file: &str) -> BTreeMap<String, Value> {
    let text = read(&root().join("cases").join(file));
    let doc: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    doc["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has cases"))
        .iter()
        .filter_map(|c| Some((c["id"].as_str()?.to_string(), c.clone())))
        .collect()
}

/// OC-13: undocumented request members may be ignored. The contract says
/// what every correct server must accept, so no request schema may refuse
/// them (Schemathesis reported the reference server's 200 as a failure of
/// a server that "accepts invalid data" while it was `additionalProperties:
/// false`), and each says why it allows them.
#[test]
fn undocumented_request_members_are_valid_as_oc_13_says() {
    let choices = open_choices();
    let row = choices
        .get("OC-13")
        .expect("docs/open-choices.md has OC-13");
    assert!(row.contains("Undocumented request members"), "{row}");
    assert!(row.contains("ignored or refused with 400"), "{row}");
    assert!(row.contains("additionalProperties: true"), "{row}");
    for shape in REQUEST_OBJECTS {
        let schema = schema_file(shape);
        assert_eq!(
            schema["additionalProperties"],
            json!(true),
            "{shape}.json must allow undocumented members (OC-13)"
        );
        let description = schema["description"].as_str().unwrap_or_default();
        assert!(description.contains("OC-13"), "{shape}.json names OC-13");
        let mut instance = minimal(shape);
        instance["undocumentedMember"] = json!(1);
        assert!(
            validate(shape, &instance).is_empty(),
            "{shape} accepts an undocumented member"
        );
    }
    // The suite's own cases agree: ignored (200) or refused with 400.
    let cases = suite_cases("request.yaml");
    let case = &cases["request.undocumented-member"];
    let outcomes = case["expect"]["any_of"].to_string();
    assert!(
        outcomes.contains("200") && outcomes.contains("ValidationException"),
        "{outcomes}"
    );
}

/// maxResults: 0 and negatives are not an open choice but a requirement
/// (LCJ-ERR-003), so the schema's minimum is 1 and the suite's validation
/// cases demand a refusal; what happens from 1 up is OC-2, whose row gives
/// the reference server's range, the one the schema allows.
#[test]
fn max_results_bounds_agree_with_oc_2_and_the_validation_cases() {
    let request = schema_file("ListClassificationJobsRequest");
    let max_results = &request["properties"]["maxResults"];
    assert_eq!(max_results["minimum"], json!(1));
    assert_eq!(max_results["maximum"], json!(2_147_483_647));
    let description = max_results["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("OC-2") && description.contains("LCJ-ERR-003"),
        "{description}"
    );
    let choices = open_choices();
    let row = choices.get("OC-2").expect("docs/open-choices.md has OC-2");
    assert!(row.contains("every value from 1 to 2147483647"), "{row}");
    assert!(
        row.contains("LCJ-ERR-003") && row.contains("minimum: 1"),
        "{row}"
    );
    let cases = suite_cases("validation.yaml");
    for (id, value) in [
        ("validation.max-results.zero", json!(0)),
        ("validation.max-results.negative", json!(-1)),
    ] {
        let case = cases
            .get(id)
            .unwrap_or_else(|| panic!("{id} is in the suite"));
        assert_eq!(case["request"]["body"]["maxResults"], value, "{id}");
        assert_eq!(
            case["expect"]["error"],
            json!("ValidationException"),
            "{id}"
        );
        assert_eq!(case["level"], json!("must"), "{id}");
        assert!(
            !validate("ListClassificationJobsRequest", &case["request"]["body"]).is_empty(),
            "{id}: a body the suite requires refused is invalid in the schema"
        );
    }
}

/// Every open choice a schema cites exists in the table, and the OpenAPI
/// document's request body is the request schema checked above.
#[test]
fn schemas_cite_only_open_choices_that_exist() {
    let choices = open_choices();
    let mut cited = BTreeSet::new();
    for entry in std::fs::read_dir(schema_dir()).expect("schemas/") {
        let path = entry.expect("entry").path();
        let text = read(&path);
        for (at, _) in text.match_indices("OC-") {
            let digits: String = text[at + 3..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !digits.is_empty() {
                cited.insert((path.display().to_string(), format!("OC-{digits}")));
            }
        }
    }
    assert!(!cited.is_empty(), "the schemas cite open choices");
    for (file, id) in &cited {
        assert!(
            choices.contains_key(id),
            "{file} cites {id}, which docs/open-choices.md lacks"
        );
    }
}

/// OC-15: a member set to `null` may be treated as absent or refused, so
/// the request schemas allow `null` wherever a member is optional, and
/// only there: a term's key, comparator and values are required, and null
/// counts as absent.
#[test]
fn null_members_are_valid_as_oc_15_says() {
    let choices = open_choices();
    let row = choices
        .get("OC-15")
        .expect("docs/open-choices.md has OC-15");
    assert!(row.contains("treated as absent, or 400"), "{row}");
    for shape in REQUEST_OBJECTS {
        let schema = schema_file(shape);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let members = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{shape} has properties"));
        for member in members.keys() {
            let mut instance = minimal(shape);
            instance[member.as_str()] = Value::Null;
            let violations = validate(shape, &instance);
            if required.contains(&member.as_str()) {
                assert!(
                    !violations.is_empty(),
                    "{shape}.{member}: null counts as absent, and it is required"
                );
            } else {
                assert!(
                    violations.is_empty(),
                    "{shape}.{member} = null is valid (OC-15): {violations:?}"
                );
            }
        }
    }
    let cases = suite_cases("request.yaml");
    let outcomes = cases["request.null-members.either"]["expect"]["any_of"].to_string();
    assert!(
        outcomes.contains("200") && outcomes.contains("ValidationException"),
        "{outcomes}"
    );
}

/// Every answer shape the document defines (listing, job and everything in
/// it, error bodies).
const RESPONSE_OBJECTS: &[&str] = &[
    "ListClassificationJobsResponse",
    "JobSummary",
    "UserPausedDetails",
    "S3BucketDefinitionForJob",
    "S3BucketCriteriaForJob",
    "CriteriaBlockForJob",
    "CriteriaForJob",
    "SimpleCriterionForJob",
    "TagCriterionForJob",
    "TagCriterionPairForJob",
    "LastRunErrorStatus",
    "AccessDeniedException",
    "ConflictException",
    "InternalServerException",
    "ResourceNotFoundException",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "ValidationException",
];

/// OC-20: the document marks every answer member optional but a bucket
/// definition's `accountId` and `buckets`, and the AWS REST-JSON protocol
/// reads `null` as absent, so the response schemas allow `null` for every
/// optional member, at every depth, and for no required one. Each shape's
/// required list is the document's "Required: True" members.
#[test]
fn null_answer_members_are_valid_where_the_document_makes_them_optional() {
    let row = open_choices();
    assert!(row.contains_key("OC-20") && row.contains_key("OC-23"));
    for shape in RESPONSE_OBJECTS {
        let schema = schema_file(shape);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let expected_required: &[&str] = if *shape == "S3BucketDefinitionForJob" {
            &["accountId", "buckets"]
        } else {
            &[]
        };
        assert_eq!(required, expected_required, "{shape}: required members");
        let members = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{shape} has properties"));
        for member in members.keys() {
            let mut instance = minimal(shape);
            instance[member.as_str()] = Value::Null;
            let violations = validate(shape, &instance);
            if required.contains(&member.as_str()) {
                assert!(
                    !violations.is_empty(),
                    "{shape}.{member} is required: null counts as absent"
                );
            } else {
                assert!(
                    violations.is_empty(),
                    "{shape}.{member} = null is valid (OC-20): {violations:?}"
                );
            }
        }
    }
    // Null where a value is set still keeps the job's own rules: a job
    // with bucket definitions may write bucketCriteria as null, and a
    // job that is not paused may write its pause details as null.
    let job = json!({"jobStatus": "RUNNING", "userPausedDetails": null,
        "bucketDefinitions": [{"accountId": "1", "buckets": ["b"]}], "bucketCriteria": null});
    assert_eq!(validate("JobSummary", &job), Vec::new());
}

/// The suite and the request schemas say the same thing: every body a must
/// case requires refused (a ValidationException and nothing else) breaks
/// the schema, and every body a must case requires answered with 200 keeps
/// it. So a request the schema allows is never one the suite fails a server
/// for accepting, and Schemathesis's "invalid data accepted" check agrees
/// with the suite. (A body the schema allows may still be refused where an
/// open choice lets a server refuse it; the suite accepts both outcomes
/// there, which is why `schemathesis.toml` counts a 400 as an acceptable
/// answer to valid data.)
/// `body` with every string that is exactly `${small_page}` replaced by `n`,
/// as the run sends it.
fn with_small_page(body: &Value, n: usize) -> Value {
    match body {
        Value::String(s) if s == "${small_page}" => json!(n),
        Value::Array(items) => Value::Array(items.iter().map(|v| with_small_page(v, n)).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), with_small_page(v, n)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn must_cases_and_the_request_schema_agree() {
    let mut checked = (0, 0);
    let mut disagreements = Vec::new();
    let dir = root().join("cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("requirements.yaml"))
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for (id, case) in suite_cases(&name) {
            // Injected faults are answered whatever the body says.
            if case["level"] != json!("must") || case["faults"] == json!(true) {
                continue;
            }
            let mut steps: Vec<&Value> = vec![&case];
            if let Some(more) = case["steps"].as_array() {
                steps.extend(more.iter());
            }
            for step in steps {
                let Some(body) = step["request"].get("body") else {
                    continue;
                };
                let expect = &step["expect"];
                let refused = expect.get("error") == Some(&json!("ValidationException"))
                    && expect.get("any_of").is_none();
                let answered = expect.get("status") == Some(&json!(200));
                // The run's `${small_page}` is a number from 1 to
                // SMALL_PAGE_MAX; both ends must agree with the schema.
                let violations: Vec<_> = [1, macie_conform::engine::case::SMALL_PAGE_MAX]
                    .into_iter()
                    .flat_map(|n| {
                        validate("ListClassificationJobsRequest", &with_small_page(body, n))
                    })
                    .collect();
                if refused {
                    checked.0 += 1;
                    if violations.is_empty() {
                        disagreements.push(format!("{name} {id}: the suite requires a refusal of {body}, which the schema allows"));
                    }
                } else if answered {
                    checked.1 += 1;
                    if !violations.is_empty() {
                        disagreements.push(format!("{name} {id}: the suite requires a 200 for {body}, which the schema refuses: {violations:?}"));
                    }
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        checked.0 >= 20 && checked.1 >= 100,
        "too few cases seen: {checked:?}"
    );
}
