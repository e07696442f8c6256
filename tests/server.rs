//! The reference server, checked over real HTTP on a loopback port.
//!
//! Expected answers come from the oracle in `engine::oracle` (written apart from
//! the server) or from tables in this file, never from the server's own code.

use macie_conform::engine::oracle::Query;
use macie_conform::model::{ErrorKind, JobComparator, ListJobsFilterKey};
use macie_conform::schema::SchemaSet;
use macie_conform::server::{self, FAULT_HEADER, RunningServer, ServerConfig};
use serde_json::{Value, json};
use std::collections::HashSet;

fn fixture() -> Vec<Value> {
    serde_json::from_str(server::EMBEDDED_FIXTURE).expect("embedded fixture is JSON")
}

async fn start(config: ServerConfig) -> RunningServer {
    server::spawn(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts")
}

async fn start_embedded() -> RunningServer {
    start(ServerConfig::embedded().expect("fixture loads")).await
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn items(&self) -> &Vec<Value> {
        self.body["items"].as_array().expect("items is an array")
    }
    fn token(&self) -> Option<&str> {
        self.body.get("nextToken").and_then(Value::as_str)
    }
}

async fn post_raw(server: &RunningServer, body: impl Into<reqwest::Body>) -> Answer {
    let response = client()
        .post(format!("{}/jobs/list", server.url()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request is answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body readable");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("answer is not JSON ({e}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

async fn post(server: &RunningServer, body: &Value) -> Answer {
    post_raw(server, body.to_string()).await
}

/// Follows nextToken from `request` to the end; returns every page.
async fn walk(server: &RunningServer, request: &Value) -> Vec<Answer> {
    let mut pages = Vec::new();
    let mut request = request.clone();
    loop {
        let answer = post(server, &request).await;
        assert_eq!(answer.status, 200, "page request failed: {}", answer.body);
        let token = answer.token().map(str::to_string);
        pages.push(answer);
        match token {
            Some(t) => request["nextToken"] = json!(t),
            None => return pages,
        }
        assert!(pages.len() <= 10_000, "pagination does not end");
    }
}

fn ids<'a>(items: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    items
        .into_iter()
        .map(|j| j["jobId"].as_str().expect("jobId").to_string())
        .collect()
}

/// Checks `items` against the oracle's tie groups: same order of groups, and
/// within each group the same jobs. The reference server breaks ties by
/// jobId ascending, which is checked too.
fn assert_matches_groups(items: &[Value], groups: &[Vec<&Value>], context: &str) {
    let expected_len: usize = groups.iter().map(Vec::len).sum();
    assert_eq!(items.len(), expected_len, "{context}: wrong number of jobs");
    let mut at = 0;
    for group in groups {
        let got = ids(&items[at..at + group.len()]);
        let mut want = ids(group.iter().copied());
        want.sort();
        assert_eq!(got, want, "{context}: tie group at position {at} differs");
        at += group.len();
    }
}

/// Which comparators the reference server accepts for which key; the rest
/// are refused with a ValidationException. Written out here, not taken from
/// the server, so a change on either side shows.
fn server_supports(key: ListJobsFilterKey, c: JobComparator) -> bool {
    use JobComparator::*;
    match key {
        ListJobsFilterKey::JobType | ListJobsFilterKey::JobStatus => [Eq, Ne].contains(&c),
        ListJobsFilterKey::Name => [Eq, Ne, Contains, StartsWith].contains(&c),
        ListJobsFilterKey::CreatedAt => [Eq, Ne, Gt, Gte, Lt, Lte].contains(&c),
    }
}

/// Value lists to try for each key: single values, several values, values
/// that hit ties and values that match nothing.
fn value_sets(key: ListJobsFilterKey, jobs: &[Value]) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match key {
        ListJobsFilterKey::JobType => vec![s(&["ONE_TIME"]), s(&["SCHEDULED", "ONE_TIME"])],
        ListJobsFilterKey::JobStatus => vec![
            s(&["USER_PAUSED"]),
            s(&["RUNNING", "IDLE"]),
            s(&["COMPLETE"]),
        ],
        ListJobsFilterKey::Name => vec![
            s(&["nightly-sweep"]),
            s(&["pii"]),
            s(&["PII", "データ"]),
            s(&["a", "B", "no-such-name"]),
            s(&["sweep"]),
            s(&["-"]),
            s(&["zzzz-nothing"]),
        ],
        ListJobsFilterKey::CreatedAt => {
            let mut times: Vec<String> = jobs
                .iter()
                .map(|j| j["createdAt"].as_str().expect("createdAt").to_string())
                .collect();
            times.sort();
            let tied = times
                .windows(2)
                .find(|w| w[0] == w[1])
                .map(|w| w[0].clone())
                .expect("fixture has a createdAt tie");
            let mid = times[times.len() / 2].clone();
            vec![
                vec![tied.clone()],
                vec![mid.clone()],
                vec![times[5].clone(), times[60].clone()],
                // Same instant written with an offset: must be compared as time, not text.
                vec![to_offset_form(&mid)],
                vec!["1999-01-01T00:00:00Z".to_string()],
            ]
        }
    }
}

/// Rewrites `...Z` as the same instant at +02:00.
fn to_offset_form(utc: &str) -> String {
    let t = time::OffsetDateTime::parse(utc, &time::format_description::well_known::Rfc3339)
        .expect("date-time");
    t.to_offset(time::UtcOffset::from_hms(2, 0, 0).expect("offset"))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

fn full_listing(filter: Value) -> Value {
    json!({
        "filterCriteria": filter,
        "sortCriteria": {"attributeName": "createdAt", "orderBy": "ASC"},
        "maxResults": 1000
    })
}

#[tokio::test]
async fn every_key_and_comparator_filters_like_the_oracle() {
    let server = start_embedded().await;
    let jobs = fixture();
    let mut checked = 0;
    for &key in ListJobsFilterKey::ALL {
        for &comparator in JobComparator::ALL {
            for values in value_sets(key, &jobs) {
                for side in ["includes", "excludes"] {
                    let request = full_listing(json!({
                        side: [{"key": key.as_str(), "comparator": comparator.as_str(), "values": values}]
                    }));
                    let answer = post(&server, &request).await;
                    let context = format!("{side} {key} {comparator} {values:?}");
                    if server_supports(key, comparator) {
                        assert_eq!(answer.status, 200, "{context}: {}", answer.body);
                        let query = Query::from_request(&request).expect("oracle reads request");
                        assert_matches_groups(answer.items(), &query.expected(&jobs), &context);
                        checked += 1;
                    } else {
                        assert_eq!(answer.status, 400, "{context} should be refused");
                        assert_eq!(
                            answer.header("x-amzn-ErrorType"),
                            Some("ValidationException")
                        );
                        let message = answer.body["message"].as_str().expect("message");
                        assert!(
                            message.contains(comparator.as_str()) && message.contains(key.as_str()),
                            "{context}: message should name the pair: {message}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} filter combinations were checked"
    );
}

#[tokio::test]
async fn terms_combine_with_and_and_excludes_win() {
    let server = start_embedded().await;
    let jobs = fixture();
    let filters = [
        json!({"includes": [
            {"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]},
            {"key": "jobStatus", "comparator": "EQ", "values": ["USER_PAUSED", "RUNNING"]}
        ]}),
        json!({"includes": [{"key": "name", "comparator": "STARTS_WITH", "values": ["pii", "PII"]}],
               "excludes": [{"key": "name", "comparator": "EQ", "values": ["pii"]}]}),
        json!({"includes": [{"key": "createdAt", "comparator": "GTE", "values": ["2024-03-01T00:00:00Z"]},
                            {"key": "createdAt", "comparator": "LT", "values": ["2024-06-01T00:00:00Z"]}],
               "excludes": [{"key": "jobStatus", "comparator": "EQ", "values": ["CANCELLED"]},
                            {"key": "jobType", "comparator": "EQ", "values": ["SCHEDULED"]}]}),
        // The same job included and excluded: excluded.
        json!({"includes": [{"key": "name", "comparator": "EQ", "values": ["audit 2024"]}],
               "excludes": [{"key": "name", "comparator": "CONTAINS", "values": ["audit"]}]}),
        json!({"includes": [], "excludes": []}),
    ];
    for filter in filters {
        let request = full_listing(filter.clone());
        let answer = post(&server, &request).await;
        assert_eq!(answer.status, 200, "{filter}: {}", answer.body);
        let expected = Query::from_request(&request)
            .expect("oracle")
            .expected(&jobs);
        assert_matches_groups(answer.items(), &expected, &filter.to_string());
    }
}

#[tokio::test]
async fn every_sort_attribute_and_order_sorts_like_the_oracle() {
    let server = start_embedded().await;
    let jobs = fixture();
    for attribute in ["createdAt", "jobStatus", "name", "jobType"] {
        for order in ["ASC", "DESC"] {
            let request = json!({
                "sortCriteria": {"attributeName": attribute, "orderBy": order},
                "maxResults": 500
            });
            let answer = post(&server, &request).await;
            assert_eq!(answer.status, 200);
            let groups = Query::from_request(&request)
                .expect("oracle")
                .expected(&jobs);
            assert!(
                groups.len() < jobs.len() || attribute == "createdAt" || attribute == "name",
                "enum sorts must have ties"
            );
            assert_matches_groups(answer.items(), &groups, &format!("{attribute} {order}"));
        }
    }
}

#[tokio::test]
async fn defaults_are_the_documented_open_choices() {
    // docs/open-choices.md: createdAt ascending, 100 per page.
    let server = start(ServerConfig::synthetic(250).expect("synthetic")).await;
    let explicit = post(
        &server,
        &json!({"sortCriteria": {"attributeName": "createdAt", "orderBy": "ASC"}}),
    )
    .await;
    for request in [
        json!({}),
        json!({"sortCriteria": {}}),
        json!({"sortCriteria": {"attributeName": "createdAt"}}),
        json!({"sortCriteria": {"orderBy": "ASC"}}),
    ] {
        let answer = post(&server, &request).await;
        assert_eq!(answer.items().len(), 100, "{request}: default page size");
        assert_eq!(ids(answer.items()), ids(explicit.items()), "{request}");
        assert!(answer.token().is_some());
    }
}

#[tokio::test]
async fn paginated_walks_equal_the_single_listing() {
    let server = start_embedded().await;
    let bases = [
        json!({}),
        json!({"sortCriteria": {"attributeName": "name", "orderBy": "DESC"}}),
        json!({"sortCriteria": {"attributeName": "jobStatus", "orderBy": "ASC"},
               "filterCriteria": {"excludes": [{"key": "jobType", "comparator": "EQ", "values": ["SCHEDULED"]}]}}),
    ];
    let total = fixture().len();
    for base in bases {
        let mut whole = base.clone();
        whole["maxResults"] = json!(10_000);
        let single = post(&server, &whole).await;
        assert!(single.token().is_none(), "one page holds everything");
        let expected = ids(single.items());
        for size in [1usize, 2, 7, 39, total - 1, total, total + 1] {
            let mut request = base.clone();
            request["maxResults"] = json!(size);
            let pages = walk(&server, &request).await;
            let mut seen = Vec::new();
            for (i, page) in pages.iter().enumerate() {
                assert!(
                    page.items().len() <= size,
                    "page {i} exceeds maxResults {size}"
                );
                let last = i + 1 == pages.len();
                assert_eq!(
                    page.token().is_none(),
                    last,
                    "token only before the last page"
                );
                if !last {
                    assert_eq!(page.items().len(), size, "only the last page may be short");
                }
                seen.extend(ids(page.items()));
            }
            assert_eq!(seen, expected, "{base} in pages of {size}");
            let unique: HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "no job twice");
        }
    }
}

#[tokio::test]
async fn a_filter_that_matches_nothing_gives_an_empty_last_page() {
    let server = start_embedded().await;
    let answer = post(
        &server,
        &json!({"filterCriteria": {"includes": [{"key": "name", "comparator": "EQ", "values": ["no such job"]}]}}),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.items().is_empty());
    assert!(answer.body.get("nextToken").is_none());
}

#[tokio::test]
async fn tokens_are_checked() {
    let server = start_embedded().await;
    let first = post(
        &server,
        &json!({"maxResults": 5, "sortCriteria": {"attributeName": "name", "orderBy": "ASC"}}),
    )
    .await;
    let token = first.token().expect("first page has a token").to_string();

    // Reusing a token gives the same page again.
    let again = |t: &str| json!({"maxResults": 5, "nextToken": t, "sortCriteria": {"attributeName": "name", "orderBy": "ASC"}});
    let a = post(&server, &again(&token)).await;
    let b = post(&server, &again(&token)).await;
    assert_eq!(a.status, 200);
    assert_eq!(ids(a.items()), ids(b.items()));
    assert_ne!(ids(a.items()), ids(first.items()));
    // A different page size with the same token continues from the same place.
    let mut wider = again(&token);
    wider["maxResults"] = json!(7);
    let w = post(&server, &wider).await;
    assert_eq!(ids(&w.items()[..5]), ids(a.items()));

    let mut garbled: Vec<char> = token.chars().collect();
    let mid = garbled.len() / 2;
    garbled[mid] = if garbled[mid] == 'x' { 'y' } else { 'x' };
    let garbled: String = garbled.into_iter().collect();
    let other_server = start_embedded().await;
    let foreign = post(
        &other_server,
        &json!({"maxResults": 5, "sortCriteria": {"attributeName": "name", "orderBy": "ASC"}}),
    )
    .await
    .token()
    .expect("token")
    .to_string();

    let refused = [
        (again(&garbled), "not a token this server issued"),
        (
            again("AAAAAAAAAAAAAAAAAAAAAAAA"),
            "not a token this server issued",
        ),
        (again("%%%"), "not a token this server issued"),
        (again(""), "not a token this server issued"),
        (again(&foreign), "not a token this server issued"),
        (
            json!({"maxResults": 5, "nextToken": token, "sortCriteria": {"attributeName": "name", "orderBy": "DESC"}}),
            "different filterCriteria or sortCriteria",
        ),
        (
            json!({"maxResults": 5, "nextToken": token, "sortCriteria": {"attributeName": "name", "orderBy": "ASC"},
                   "filterCriteria": {"includes": [{"key": "jobType", "comparator": "EQ", "values": ["ONE_TIME"]}]}}),
            "different filterCriteria or sortCriteria",
        ),
    ];
    for (request, fragment) in refused {
        let answer = post(&server, &request).await;
        assert_validation(&answer, fragment, &request.to_string());
    }
}

fn assert_validation(answer: &Answer, fragment: &str, context: &str) {
    assert_eq!(answer.status, 400, "{context}: {}", answer.body);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("ValidationException"),
        "{context}"
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let message = answer.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(fragment),
        "{context}: message {message:?} should contain {fragment:?}"
    );
    let schemas = SchemaSet::embedded().expect("schemas");
    let violations = schemas
        .validate("ValidationException", &answer.body)
        .expect("shape");
    assert!(violations.is_empty(), "{context}: {violations:?}");
}

#[tokio::test]
async fn bad_input_is_a_validation_exception_that_says_what_is_wrong() {
    let server = start_embedded().await;
    let term = |k: Value, c: Value, v: Value| json!({"filterCriteria": {"includes": [{"key": k, "comparator": c, "values": v}]}});
    let cases: Vec<(String, &str)> = vec![
        ("{bad".into(), "not valid JSON (line 1, column 2)"),
        ("{\"maxResults\": 5".into(), "not valid JSON"),
        ("[]".into(), "must be a JSON object, got an array"),
        ("\"list\"".into(), "must be a JSON object, got string"),
        ("42".into(), "must be a JSON object, got number"),
        ("null".into(), "must be a JSON object, got null"),
        (
            json!({"maxResults": 0}).to_string(),
            "maxResults must be an integer from 1 to 2147483647",
        ),
        (json!({"maxResults": -1}).to_string(), "got number -1"),
        (
            json!({"maxResults": 2_147_483_648u64}).to_string(),
            "got number 2147483648",
        ),
        (json!({"maxResults": 1.5}).to_string(), "maxResults"),
        (json!({"maxResults": "10"}).to_string(), "got string \"10\""),
        (json!({"maxResults": true}).to_string(), "got boolean true"),
        (
            json!({"nextToken": 5}).to_string(),
            "nextToken must be a string",
        ),
        (
            json!({"filterCriteria": []}).to_string(),
            "filterCriteria must be an object",
        ),
        (
            json!({"filterCriteria": {"includes": {}}}).to_string(),
            "filterCriteria.includes must be an array",
        ),
        (
            json!({"filterCriteria": {"excludes": "x"}}).to_string(),
            "filterCriteria.excludes must be an array",
        ),
        (
            json!({"filterCriteria": {"includes": [5]}}).to_string(),
            "filterCriteria.includes[0] must be an object",
        ),
        (
            json!({"filterCriteria": {"includes": [{"comparator": "EQ", "values": ["x"]}]}})
                .to_string(),
            "filterCriteria.includes[0].key is missing",
        ),
        (
            json!({"filterCriteria": {"includes": [{"key": "name", "values": ["x"]}]}}).to_string(),
            "comparator is missing",
        ),
        (
            json!({"filterCriteria": {"includes": [{"key": "name", "comparator": "EQ"}]}})
                .to_string(),
            "values is missing",
        ),
        (
            term(json!("jobId"), json!("EQ"), json!(["x"])).to_string(),
            "\"jobId\" is not a valid value",
        ),
        (
            term(json!("name"), json!("LIKE"), json!(["x"])).to_string(),
            "\"LIKE\" is not a valid value",
        ),
        (
            term(json!("name"), json!("eq"), json!(["x"])).to_string(),
            "\"eq\" is not a valid value",
        ),
        (
            term(json!(5), json!("EQ"), json!(["x"])).to_string(),
            "key must be a string",
        ),
        (
            term(json!("name"), json!("EQ"), json!([])).to_string(),
            "values is empty",
        ),
        (
            term(json!("name"), json!("EQ"), json!("x")).to_string(),
            "values must be an array of strings",
        ),
        (
            term(json!("name"), json!("EQ"), json!([1])).to_string(),
            "values[0] must be a string",
        ),
        (
            term(json!("jobStatus"), json!("EQ"), json!(["running"])).to_string(),
            "not a valid value for key jobStatus",
        ),
        (
            term(json!("jobType"), json!("NE"), json!(["DAILY"])).to_string(),
            "not a valid value for key jobType",
        ),
        (
            term(json!("createdAt"), json!("GT"), json!(["yesterday"])).to_string(),
            "not a valid value for key createdAt",
        ),
        (
            term(json!("createdAt"), json!("EQ"), json!(["2024-01-01"])).to_string(),
            "RFC 3339 date-time",
        ),
        (
            term(json!("name"), json!("GT"), json!(["a"])).to_string(),
            "comparator GT cannot be used with key name",
        ),
        (
            term(json!("jobStatus"), json!("CONTAINS"), json!(["RUNNING"])).to_string(),
            "cannot be used with key jobStatus",
        ),
        (
            json!({"sortCriteria": "name"}).to_string(),
            "sortCriteria must be an object",
        ),
        (
            json!({"sortCriteria": {"attributeName": "jobId"}}).to_string(),
            "sortCriteria.attributeName: \"jobId\" is not a valid value",
        ),
        (
            json!({"sortCriteria": {"orderBy": "ascending"}}).to_string(),
            "sortCriteria.orderBy: \"ascending\"",
        ),
        (
            json!({"sortCriteria": {"orderBy": "asc"}}).to_string(),
            "expected one of ASC, DESC",
        ),
        (
            json!({"sortCriteria": {"attributeName": 5}}).to_string(),
            "attributeName must be a string",
        ),
    ];
    for (body, fragment) in cases {
        let answer = post_raw(&server, body.clone()).await;
        assert_validation(&answer, fragment, &body);
    }
    let not_utf8 = post_raw(&server, vec![b'{', 0xff, 0xfe, b'}']).await;
    assert_validation(&not_utf8, "not valid UTF-8", "non-UTF-8 body");
    let huge = format!("{{\"nextToken\": \"{}\"}}", "a".repeat(2 << 20));
    assert_validation(&post_raw(&server, huge).await, "larger than", "2 MiB body");
}

#[tokio::test]
async fn lenient_where_aws_is_lenient() {
    let server = start_embedded().await;
    let baseline = post(&server, &json!({})).await;
    assert_eq!(baseline.status, 200);
    let empty = post_raw(&server, "").await;
    assert_eq!(empty.status, 200, "an empty body is an empty request");
    assert_eq!(ids(empty.items()), ids(baseline.items()));
    for request in [
        json!({"filterCriteria": null, "sortCriteria": null, "maxResults": null, "nextToken": null}),
        json!({"filterCriteria": {"includes": null}}),
        json!({"someFutureMember": {"x": 1}}),
        json!({"maxResults": 100.0}),
    ] {
        let answer = post(&server, &request).await;
        assert_eq!(answer.status, 200, "{request}: {}", answer.body);
        assert_eq!(ids(answer.items()), ids(baseline.items()), "{request}");
    }
}

#[tokio::test]
async fn every_answer_is_shaped_and_labelled_for_sdks() {
    let server = start_embedded().await;
    let schemas = SchemaSet::embedded().expect("schemas");
    let answer = post(&server, &json!({"maxResults": 1000})).await;
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(
        answer
            .header("x-amzn-RequestId")
            .is_some_and(|v| v.len() == 36)
    );
    assert_eq!(
        schemas
            .validate("ListClassificationJobsResponse", &answer.body)
            .expect("shape"),
        vec![]
    );
    // The server returns the fixture unchanged, member for member.
    let mut served = answer.items().clone();
    let mut original = fixture();
    let by_id = |a: &Value, b: &Value| a["jobId"].as_str().cmp(&b["jobId"].as_str());
    served.sort_by(by_id);
    original.sort_by(by_id);
    assert_eq!(served, original);
}

#[tokio::test]
async fn wrong_method_and_unknown_paths_get_json_errors() {
    let server = start_embedded().await;
    let http = client();
    let get = http
        .get(format!("{}/jobs/list", server.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(get.status().as_u16(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    assert_eq!(
        get.headers()["x-amzn-ErrorType"],
        "MethodNotAllowedException"
    );
    let body: Value = get.json().await.expect("JSON");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("POST")));

    let other = http
        .post(format!("{}/jobs/describe", server.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(other.status().as_u16(), 404);
    assert_eq!(
        other.headers()["x-amzn-ErrorType"],
        "UnknownOperationException"
    );
    assert!(other.headers().contains_key("x-amzn-RequestId"));
}

#[tokio::test]
async fn fault_injection_produces_every_documented_error_only_when_enabled() {
    let schemas = SchemaSet::embedded().expect("schemas");
    let faulty = start(ServerConfig::embedded().expect("fixture").with_faults(true)).await;
    let http = client();
    for &kind in ErrorKind::ALL {
        for selector in [kind.as_str().to_string(), kind.status().to_string()] {
            let r = http
                .post(format!("{}/jobs/list", faulty.url()))
                .header(FAULT_HEADER, &selector)
                .body("{}")
                .send()
                .await
                .expect("answered");
            assert_eq!(r.status().as_u16(), kind.status(), "{selector}");
            assert_eq!(r.headers()["x-amzn-ErrorType"], kind.as_str());
            assert_eq!(r.headers()["content-type"], "application/json");
            let body: Value = r.json().await.expect("JSON");
            assert!(body["message"].is_string());
            assert_eq!(
                schemas.validate(kind.as_str(), &body).expect("shape"),
                vec![]
            );
        }
    }
    let unknown = http
        .post(format!("{}/jobs/list", faulty.url()))
        .header(FAULT_HEADER, "TeapotException")
        .send()
        .await
        .expect("answered");
    assert_eq!(unknown.status().as_u16(), 400);

    let normal = start_embedded().await;
    let ignored = http
        .post(format!("{}/jobs/list", normal.url()))
        .header(FAULT_HEADER, "InternalServerException")
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_eq!(ignored.status().as_u16(), 200, "faults are off by default");
}

#[tokio::test]
async fn synthetic_job_sets_walk_completely() {
    let server = start(ServerConfig::synthetic(2_500).expect("synthetic")).await;
    let request = json!({"maxResults": 333, "sortCriteria": {"attributeName": "jobStatus", "orderBy": "DESC"}});
    let pages = walk(&server, &request).await;
    assert_eq!(pages.len(), 8);
    let all: Vec<Value> = pages.iter().flat_map(|p| p.items().clone()).collect();
    let unique: HashSet<String> = ids(&all).into_iter().collect();
    assert_eq!(unique.len(), 2_500);
    let groups = Query::from_request(&request)
        .expect("oracle")
        .expected(&all);
    assert_matches_groups(&all, &groups, "synthetic jobStatus DESC");
}

#[test]
fn bad_fixtures_are_refused_with_a_reason() {
    let cases = [
        ("[{\"jobId\": \"a\"},", "line 1, column 16"),
        ("{}", "not a JSON array of job summaries"),
        (
            "[{\"jobId\": \"a\", \"colour\": \"red\"}]",
            "unknown field `colour`",
        ),
        (
            "[{\"jobId\": \"a\", \"jobStatus\": \"running\"}]",
            "unknown variant `running`",
        ),
        (
            "[{\"jobId\": \"a\"}, {\"jobId\": \"a\"}]",
            "repeats jobId \"a\"",
        ),
        (
            "[{\"jobId\": \"a\", \"createdAt\": \"today\"}]",
            "createdAt \"today\"",
        ),
    ];
    for (text, fragment) in cases {
        let message = match ServerConfig::from_text(text, "test.json") {
            Ok(_) => panic!("{text} should be refused"),
            Err(e) => e.to_string(),
        };
        assert!(
            message.contains(fragment),
            "{message:?} should contain {fragment:?}"
        );
        assert!(
            message.contains("test.json"),
            "{message:?} should name the file"
        );
    }
    let missing = ServerConfig::from_file(std::path::Path::new("/no/such/jobs.json"));
    assert!(missing.is_err_and(|e| e.to_string().contains("--fixture")));
}
