//! The contract: every schema compiles with format checking on, accepts
//! what the document allows and refuses what it does not; the fixture and
//! the OpenAPI description agree with it.

use macie_conform::schema::{SCHEMA_FILES, SchemaSet};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn schemas() -> &'static SchemaSet {
    SchemaSet::embedded().expect("every schema compiles")
}

/// Asserts `instance` is valid for `shape`, or fails with exactly the
/// expected keyword somewhere among the violations.
fn expect(shape: &str, instance: Value, keyword: Option<&str>) {
    let violations = schemas().validate(shape, &instance).expect("known shape");
    match keyword {
        None => assert!(
            violations.is_empty(),
            "{shape} should accept {instance}: {violations:?}"
        ),
        Some(k) => assert!(
            violations.iter().any(|v| v.keyword == k),
            "{shape} should refuse {instance} with `{k}`, got {violations:?}"
        ),
    }
}

const API_SHAPES: usize = 30;

#[test]
fn every_schema_file_is_embedded_and_described() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    // Files that describe the harness's own formats, not the API.
    let own = ["case.schema.json", "report.schema.json"];
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("schemas/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".json") && !own.contains(&name.as_str()) {
            on_disk.insert(name.trim_end_matches(".json").to_string());
        }
    }
    let embedded: BTreeSet<String> = SCHEMA_FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, embedded, "schemas/ and the embedded list differ");
    assert_eq!(embedded.len(), API_SHAPES);
    for (name, text) in SCHEMA_FILES {
        let disk = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("file");
        assert_eq!(&disk, text, "{name}: embedded text is stale");
        let v: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert_eq!(v["title"], *name, "{name}: title");
        assert!(
            v["description"].as_str().is_some_and(|d| d.len() > 10),
            "{name}: description"
        );
    }
    assert_eq!(schemas().names().count(), API_SHAPES);
}

#[test]
fn enums_accept_their_values_letter_for_letter() {
    let enums: &[(&str, &[&str])] = &[
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
    for (shape, values) in enums {
        for v in *values {
            expect(shape, json!(v), None);
            let flipped: String = v
                .chars()
                .map(|c| {
                    if c.is_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect();
            expect(shape, json!(flipped), Some("enum"));
        }
        expect(shape, json!("NOT_A_VALUE"), Some("enum"));
        expect(shape, json!(1), Some("type"));
    }
}

#[test]
fn request_shapes() {
    let ok = |i: Value| expect("ListClassificationJobsRequest", i, None);
    let bad = |i: Value, k: &str| expect("ListClassificationJobsRequest", i, Some(k));
    ok(json!({}));
    ok(json!({
        "filterCriteria": {
            "includes": [{"key": "jobStatus", "comparator": "EQ", "values": ["RUNNING", "IDLE"]}],
            "excludes": [{"key": "createdAt", "comparator": "LT", "values": ["2024-01-01T00:00:00Z"]}]
        },
        "maxResults": 25,
        "nextToken": "abc",
        "sortCriteria": {"attributeName": "name", "orderBy": "DESC"}
    }));
    ok(json!({"maxResults": 2147483647}));
    ok(json!({"maxResults": -2147483648}));
    bad(json!({"maxResults": 2147483648u64}), "maximum");
    bad(json!({"maxResults": -2147483649i64}), "minimum");
    bad(json!({"maxResults": 1.5}), "type");
    bad(json!({"maxResults": "10"}), "type");
    bad(json!({"nextToken": 5}), "type");
    bad(json!({"filterCriteria": []}), "type");
    bad(json!({"filterCriteria": {"includes": {}}}), "type");
    bad(
        json!({"filterCriteria": {"includes": [{"key": "jobId"}]}}),
        "enum",
    );
    bad(
        json!({"filterCriteria": {"includes": [{"values": [1]}]}}),
        "type",
    );
    bad(json!({"sortCriteria": {"orderBy": "asc"}}), "enum");
    bad(json!({"sortCriteria": {"attributeName": "jobId"}}), "enum");
    bad(json!({"pageSize": 5}), "additionalProperties");
    expect("ListJobsFilterTerm", json!({}), None);
    expect(
        "ListJobsFilterTerm",
        json!({"key": "name", "comparator": "CONTAINS", "values": []}),
        None,
    );
    expect(
        "ListJobsFilterCriteria",
        json!({"includes": [], "excludes": []}),
        None,
    );
    expect(
        "ListJobsSortCriteria",
        json!({"attributeName": "createdAt"}),
        None,
    );
    expect(
        "ListJobsSortCriteria",
        json!({"attributeName": "createdAt", "x": 1}),
        Some("additionalProperties"),
    );
}

fn job() -> Value {
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

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    *v.pointer_mut(pointer).expect("pointer exists") = value;
    v
}

fn without(mut v: Value, member: &str) -> Value {
    v.as_object_mut().expect("object").remove(member);
    v
}

#[test]
fn job_summary_shapes() {
    let ok = |i: Value| expect("JobSummary", i, None);
    let bad = |i: Value, k: &str| expect("JobSummary", i, Some(k));
    ok(job());
    ok(json!({}));
    ok(with(job(), "/createdAt", json!("2024-01-01T00:00:00Z")));
    ok(with(
        job(),
        "/createdAt",
        json!("2024-01-01T02:00:00+02:00"),
    ));
    bad(with(job(), "/createdAt", json!("2024-01-01")), "format");
    bad(with(job(), "/createdAt", json!("yesterday")), "format");
    bad(with(job(), "/createdAt", json!(1_700_000_000)), "type");
    bad(
        with(
            job(),
            "/userPausedDetails/jobPausedAt",
            json!("2024-01-02 00:00"),
        ),
        "format",
    );
    bad(
        with(job(), "/userPausedDetails/jobExpiresAt", json!("soon")),
        "format",
    );
    bad(with(job(), "/jobStatus", json!("running")), "enum");
    bad(with(job(), "/jobType", json!("DAILY")), "enum");
    bad(
        with(job(), "/lastRunErrorStatus/code", json!("WARN")),
        "enum",
    );
    // userPausedDetails only with USER_PAUSED.
    bad(with(job(), "/jobStatus", json!("RUNNING")), "const");
    bad(without(job(), "jobStatus"), "required");
    ok(without(
        with(job(), "/jobStatus", json!("RUNNING")),
        "userPausedDetails",
    ));
    // bucketDefinitions xor bucketCriteria.
    let mut both = job();
    both["bucketCriteria"] = json!({"includes": {"and": []}});
    bad(both, "not");
    ok(without(
        with(job(), "/bucketDefinitions", json!(null)),
        "bucketDefinitions",
    ));
    // Required members of a bucket definition.
    bad(
        with(job(), "/bucketDefinitions/0", json!({"buckets": ["b"]})),
        "required",
    );
    bad(
        with(job(), "/bucketDefinitions/0", json!({"accountId": "1"})),
        "required",
    );
    bad(
        with(job(), "/bucketDefinitions/0/buckets", json!("b")),
        "type",
    );
    // An undocumented member is flagged as such, at the job's path.
    let mut extra = job();
    extra["colour"] = json!("red");
    let violations = schemas().validate("JobSummary", &extra).expect("shape");
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].undocumented);
    assert_eq!(violations[0].keyword, "additionalProperties");
    let in_list = schemas()
        .validate(
            "ListClassificationJobsResponse",
            &json!({"items": [job(), extra]}),
        )
        .expect("shape");
    assert_eq!(in_list.len(), 1);
    assert_eq!(in_list[0].instance_path, "/items/1");
}

#[test]
fn nested_bucket_shapes() {
    let criteria = json!({
        "includes": {"and": [
            {"simpleCriterion": {"comparator": "EQ", "key": "S3_BUCKET_NAME", "values": ["a", "b"]}},
            {"tagCriterion": {"comparator": "NE", "tagValues": [{"key": "env", "value": "prod"}, {"key": "team"}, {"value": "pii"}]}}
        ]},
        "excludes": {"and": [{"simpleCriterion": {"comparator": "NE", "key": "ACCOUNT_ID", "values": ["1"]}}]}
    });
    expect("S3BucketCriteriaForJob", criteria.clone(), None);
    expect(
        "S3BucketCriteriaForJob",
        with(
            criteria.clone(),
            "/includes/and/0/simpleCriterion/key",
            json!("BUCKET"),
        ),
        Some("enum"),
    );
    expect(
        "S3BucketCriteriaForJob",
        with(
            criteria.clone(),
            "/includes/and/1/tagCriterion/tagValues/0/key",
            json!(1),
        ),
        Some("type"),
    );
    expect(
        "S3BucketCriteriaForJob",
        with(criteria, "/includes/and", json!({})),
        Some("type"),
    );
    expect("CriteriaBlockForJob", json!({"and": []}), None);
    expect(
        "CriteriaForJob",
        json!({"simpleCriterion": {}, "tagCriterion": {}}),
        None,
    );
    expect(
        "CriteriaForJob",
        json!({"other": {}}),
        Some("additionalProperties"),
    );
    expect(
        "SimpleCriterionForJob",
        json!({"values": "a"}),
        Some("type"),
    );
    expect("TagCriterionForJob", json!({"tagValues": [{}]}), None);
    expect(
        "TagCriterionPairForJob",
        json!({"key": "k", "value": 2}),
        Some("type"),
    );
    expect(
        "S3BucketDefinitionForJob",
        json!({"accountId": "1", "buckets": []}),
        None,
    );
    expect("S3BucketDefinitionForJob", json!({}), Some("required"));
    expect(
        "UserPausedDetails",
        json!({"jobImminentExpirationHealthEventArn": "arn:aws:health:x"}),
        None,
    );
    expect(
        "UserPausedDetails",
        json!({"jobImminentExpirationHealthEventArn": 5}),
        Some("type"),
    );
    expect("LastRunErrorStatus", json!({"code": "ERROR"}), None);
    expect("LastRunErrorStatus", json!({"code": null}), Some("enum"));
}

#[test]
fn response_and_error_shapes() {
    let ok = |i: Value| expect("ListClassificationJobsResponse", i, None);
    let bad = |i: Value, k: &str| expect("ListClassificationJobsResponse", i, Some(k));
    ok(json!({"items": []}));
    ok(json!({"items": [job()], "nextToken": "t"}));
    ok(json!({"items": [], "nextToken": null}));
    ok(json!({}));
    bad(json!({"items": null}), "type");
    bad(json!({"items": {}}), "type");
    bad(json!({"items": [], "nextToken": 5}), "type");
    bad(json!({"items": [{"jobStatus": "running"}]}), "enum");
    for error in [
        "ValidationException",
        "ServiceQuotaExceededException",
        "AccessDeniedException",
        "ResourceNotFoundException",
        "ConflictException",
        "ThrottlingException",
        "InternalServerException",
    ] {
        expect(error, json!({"message": "x"}), None);
        expect(error, json!({}), None);
        expect(
            error,
            json!({"message": "x", "__type": error, "code": error}),
            None,
        );
        expect(error, json!({"message": 5}), Some("type"));
        expect(
            error,
            json!({"message": "x", "detail": "y"}),
            Some("additionalProperties"),
        );
        expect(error, json!("oops"), Some("type"));
    }
}

#[test]
fn the_fixture_is_valid_and_covers_the_document() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/cases/fixtures/jobs.json"
    ))
    .expect("fixture");
    let jobs: Vec<Value> = serde_json::from_str(&text).expect("JSON array");
    assert!((60..=100).contains(&jobs.len()), "{} jobs", jobs.len());
    let response = json!({"items": jobs});
    assert_eq!(
        schemas()
            .validate("ListClassificationJobsResponse", &response)
            .expect("shape"),
        vec![]
    );
    let values = |pointer: &str| -> BTreeSet<String> {
        jobs.iter()
            .filter_map(|j| {
                j.pointer(pointer)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect()
    };
    assert_eq!(values("/jobStatus").len(), 6, "every JobStatus");
    assert_eq!(values("/jobType").len(), 2, "every JobType");
    assert_eq!(
        values("/lastRunErrorStatus/code").len(),
        2,
        "ERROR and NONE"
    );
    let ids = values("/jobId");
    assert_eq!(ids.len(), jobs.len(), "unique jobIds");
    let all = text.as_str();
    for key in [
        "ACCOUNT_ID",
        "S3_BUCKET_NAME",
        "S3_BUCKET_EFFECTIVE_PERMISSION",
        "S3_BUCKET_SHARED_ACCESS",
    ] {
        assert!(
            all.contains(&format!("\"key\": \"{key}\"")),
            "simple criterion key {key}"
        );
    }
    for member in [
        "bucketDefinitions",
        "bucketCriteria",
        "tagCriterion",
        "simpleCriterion",
        "\"includes\"",
        "\"excludes\"",
    ] {
        assert!(all.contains(member), "fixture uses {member}");
    }
    for job in &jobs {
        let paused = job["jobStatus"] == "USER_PAUSED";
        if job.get("userPausedDetails").is_some() {
            assert!(
                paused,
                "userPausedDetails on a job that is not USER_PAUSED: {job}"
            );
        }
    }
    assert!(jobs.iter().any(|j| j.get("userPausedDetails").is_some()));
    let count = |pointer: &str| {
        let mut seen = std::collections::HashMap::new();
        for j in &jobs {
            if let Some(v) = j.pointer(pointer).and_then(Value::as_str) {
                *seen.entry(v.to_string()).or_insert(0) += 1;
            }
        }
        seen
    };
    assert!(
        count("/createdAt").values().any(|&n| n > 1),
        "a createdAt tie"
    );
    assert!(count("/name").values().any(|&n| n > 1), "a name tie");
    let names = values("/name");
    let folded: BTreeSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert!(folded.len() < names.len(), "names that differ only in case");
    assert!(names.iter().any(|n| !n.is_ascii()), "a non-ASCII name");
}

#[test]
fn the_openapi_description_references_the_schemas() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let text = std::fs::read_to_string(dir.join("openapi.yaml")).expect("openapi.yaml");
    let doc: Value = serde_saphyr::from_str(&text).expect("YAML");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let op = &doc["paths"]["/jobs/list"]["post"];
    assert_eq!(op["operationId"], "ListClassificationJobs");
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "./ListClassificationJobsRequest.json"
    );
    let expected = [
        ("200", "ListClassificationJobsResponse"),
        ("400", "ValidationException"),
        ("402", "ServiceQuotaExceededException"),
        ("403", "AccessDeniedException"),
        ("404", "ResourceNotFoundException"),
        ("409", "ConflictException"),
        ("429", "ThrottlingException"),
        ("500", "InternalServerException"),
    ];
    let responses = op["responses"].as_object().expect("responses");
    assert_eq!(responses.len(), expected.len());
    for (status, shape) in expected {
        let r = &responses[status];
        let reference = r["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .expect("$ref");
        assert_eq!(reference, format!("./{shape}.json"), "{status}");
        assert!(
            dir.join(format!("{shape}.json")).is_file(),
            "{reference} exists"
        );
        if status != "200" {
            assert!(
                r["headers"]["x-amzn-ErrorType"].is_object(),
                "{status} documents the error header"
            );
        }
    }
}
