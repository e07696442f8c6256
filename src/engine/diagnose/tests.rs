use super::*;
use serde_json::json;

/// Five jobs in storage order, no two alike on any sort attribute.
fn data() -> Vec<Value> {
    [
        ("a", "alpha", "RUNNING", "ONE_TIME", "2024-01-03T00:00:00Z"),
        ("b", "bravo", "PAUSED", "SCHEDULED", "2024-01-01T00:00:00Z"),
        ("c", "Charlie", "IDLE", "ONE_TIME", "2024-01-05T00:00:00Z"),
        ("d", "delta", "COMPLETE", "SCHEDULED", "2024-01-02T00:00:00Z"),
        ("e", "echo", "CANCELLED", "ONE_TIME", "2024-01-04T00:00:00Z"),
    ]
    .iter()
    .map(|(id, name, status, kind, at)| {
        json!({"jobId": id, "name": name, "jobStatus": status, "jobType": kind, "createdAt": at})
    })
    .collect()
}

fn jobs(ids: &str) -> Vec<Value> {
    let all = data();
    ids.chars()
        .filter_map(|c| all.iter().find(|j| id(j) == c.to_string()).cloned())
        .collect()
}

#[test]
fn a_walk_of_the_same_rest_that_lists_fewer_jobs_skipped_some() {
    let skips = [Diagnosis::PagesSkipJobs];
    assert_eq!(missing_from(&jobs("ab"), &jobs("abcd"), true), skips);
    assert_eq!(
        missing_from(&jobs("aab"), &jobs("abcd"), true),
        [Diagnosis::PagesSkipJobs, Diagnosis::PagesOverlap]
    );
    // A superset may hold more; the same listing may not.
    assert_eq!(missing_from(&jobs("ae"), &jobs("abcd"), false), skips);
    assert!(missing_from(&jobs("ae"), &jobs("abcd"), true).is_empty());
    // Lacking nothing, it skipped nothing.
    assert!(missing_from(&jobs("abcd"), &jobs("abc"), false).is_empty());
}

fn diagnose(request: Value, pages: &[&str], fixture: bool) -> Vec<Diagnosis> {
    let all = data();
    listing(&Evidence {
        request: &request,
        pages: pages.iter().map(|p| jobs(p)).collect(),
        complete: true,
        fixture: fixture.then_some(all.as_slice()),
        placed: true,
    })
}

fn by_created(order: &str) -> Value {
    json!({"sortCriteria": {"attributeName": "createdAt", "orderBy": order}})
}

#[test]
fn a_right_listing_has_no_cause() {
    assert!(diagnose(by_created("ASC"), &["bdaec"], true).is_empty());
    assert!(diagnose(by_created("ASC"), &["bdaec"], false).is_empty());
}

#[test]
fn a_reversed_order_is_named_with_or_without_the_fixture() {
    for fixture in [true, false] {
        let found = diagnose(by_created("ASC"), &["ceadb"], fixture);
        assert_eq!(found.first(), Some(&Diagnosis::OrderReversed), "{fixture}");
    }
}

#[test]
fn storage_order_and_another_attribute_are_told_apart() {
    assert!(diagnose(by_created("ASC"), &["abcde"], true).contains(&Diagnosis::OrderIgnored));
    // By name, code point order: "Charlie" < "alpha" < ...
    let found = diagnose(by_created("ASC"), &["cabde"], true);
    assert!(
        found.contains(&Diagnosis::SortedByOther {
            attribute: "name".into(),
            direction: "ASC".into()
        }),
        "{found:?}"
    );
}

#[test]
fn later_pages_that_lose_the_order_are_named() {
    // jobType has ties, so "sorted by jobType" fits too; the first,
    // most specific cause is the one the findings prefer on a tie.
    let found = diagnose(by_created("ASC"), &["bd", "cea"], true);
    assert_eq!(found.first(), Some(&Diagnosis::LaterPagesLoseOrder));
    let found = diagnose(by_created("ASC"), &["bd", "cea"], false);
    assert_eq!(found.first(), Some(&Diagnosis::LaterPagesLoseOrder));
}

#[test]
fn filter_mistakes_are_named_by_the_query_that_explains_them() {
    let term = |side: &str, comparator: &str, values: Value| json!({"filterCriteria": {side: [{"key": "createdAt", "comparator": comparator, "values": values}]}});
    // GT 2024-01-03 answered as GTE: a (created exactly then) is listed.
    let gt = term("includes", "GT", json!(["2024-01-03T00:00:00Z"]));
    let found = diagnose(gt, &["ace"], true);
    assert_eq!(
        found.first(),
        Some(&Diagnosis::ComparatorAs {
            asked: "GT".into(),
            applied: "GTE".into()
        })
    );
    // Excludes not applied: every job listed.
    let excludes = term("excludes", "EQ", json!(["2024-01-03T00:00:00Z"]));
    let found = diagnose(excludes, &["abcde"], true);
    assert!(found.contains(&Diagnosis::ExcludesIgnored), "{found:?}");
    let names = json!({"filterCriteria": {"includes": [
        {"key": "name", "comparator": "EQ", "values": ["alpha", "bravo"]}]}});
    assert!(diagnose(names.clone(), &[""], true).contains(&Diagnosis::ValuesJoinedWithAnd));
    assert!(diagnose(names, &[""], true).contains(&Diagnosis::ListsNothing));
    let upper = json!({"filterCriteria": {"includes": [
        {"key": "name", "comparator": "EQ", "values": ["charlie"]}]}});
    assert!(diagnose(upper, &["c"], true).contains(&Diagnosis::CaseInsensitiveMatch));
}

#[test]
fn pages_that_overlap_or_skip_are_named() {
    assert!(
        diagnose(by_created("ASC"), &["bd", "dae", "c"], true).contains(&Diagnosis::PagesOverlap)
    );
    assert!(diagnose(by_created("ASC"), &["bd", "ec"], true).contains(&Diagnosis::PagesSkipJobs));
    assert_eq!(
        repeated_page(&jobs("bd"), &jobs("bd")),
        vec![Diagnosis::TokenIgnored, Diagnosis::PagesOverlap]
    );
}

#[test]
fn a_listing_right_once_respelled_is_diagnosed_by_its_spelling() {
    let all = data();
    let mut lower = jobs("bdaec");
    lower[0]["jobType"] = json!("scheduled");
    let request = by_created("ASC");
    let found = listing(&Evidence {
        request: &request,
        pages: vec![lower],
        complete: true,
        fixture: Some(&all),
        placed: true,
    });
    assert_eq!(
        found,
        vec![Diagnosis::EnumSpelling {
            member: "jobType".into()
        }]
    );
    let mut shifted = jobs("bdaec");
    shifted[2]["createdAt"] = json!("2024-01-03T02:00:00Z");
    let found = listing(&Evidence {
        request: &request,
        pages: vec![shifted],
        complete: true,
        fixture: Some(&all),
        placed: true,
    });
    assert_eq!(
        found,
        vec![Diagnosis::DateShifted {
            member: "createdAt".into(),
            precision: false
        }]
    );
}

#[test]
fn schema_violations_name_their_mistake() {
    assert_eq!(
        violation(
            "enum",
            "/items/3/jobStatus",
            None,
            Some(&json!("running")),
            None
        ),
        Some(Diagnosis::EnumSpelling {
            member: "jobStatus".into()
        })
    );
    assert_eq!(
        violation(
            "enum",
            "/items/3/jobStatus",
            None,
            Some(&json!("BUSY")),
            None
        ),
        Some(Diagnosis::UndocumentedValue {
            member: "jobStatus".into()
        })
    );
    let job = json!({"jobid": "x"});
    assert_eq!(
        violation("required", "/items/0", Some("jobId"), Some(&job), None),
        Some(Diagnosis::MemberRenamed {
            member: "jobId".into(),
            sent_as: "jobid".into()
        })
    );
    assert_eq!(
        violation(
            "required",
            "/items/0/bucketDefinitions/1",
            Some("accountId"),
            Some(&json!({})),
            None
        ),
        Some(Diagnosis::MemberMissing {
            member: "bucketDefinitions/*/accountId".into()
        })
    );
    assert_eq!(
        violation(
            "type",
            "/items/0/createdAt",
            None,
            Some(&json!(17)),
            Some("string")
        ),
        Some(Diagnosis::DateSpelling {
            member: "createdAt".into()
        })
    );
    assert_eq!(
        violation(
            "type",
            "/items/0/name",
            None,
            Some(&json!(17)),
            Some("string")
        ),
        Some(Diagnosis::MemberType {
            member: "name".into(),
            expected: "string".into(),
            found: "integer".into()
        })
    );
}

#[test]
fn the_query_shape_names_keys_not_values() {
    let request = json!({"filterCriteria": {"includes": [
        {"key": "name", "comparator": "EQ", "values": ["x"]},
        {"key": "createdAt", "comparator": "GT", "values": ["2024-01-01T00:00:00Z"]}]}});
    assert_eq!(query_shape(&request).as_deref(), Some("createdAt, name"));
    assert_eq!(
        query_shape(&by_created("DESC")).as_deref(),
        Some("sorted by createdAt")
    );
    assert_eq!(query_shape(&json!({})), None);
}
