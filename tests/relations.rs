//! Relations between the walks of one case (`expect.relations`), run end
//! to end: they hold on the reference server, and a server that breaks
//! one of them (it ignores `excludes`) fails the case through a
//! `relation` check naming the relation and the jobs.

mod common;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use common::{Setup, failed, one_case, run_yaml, serve};
use macie_conform::engine::check::{CheckKind, Outcome};
use macie_conform::report::Verdict;
use macie_conform::runner;
use macie_conform::server::{self, ServerConfig};
use serde_json::Value;

/// Walks that relate in every way the case format offers, at a page size
/// that makes each walk several pages long.
fn related_walks() -> String {
    let one_time = "{key: jobType, comparator: EQ, values: [ONE_TIME]}";
    let running = "{key: jobStatus, comparator: EQ, values: [RUNNING]}";
    one_case(&format!(
        "    steps:
      - name: all
        request: {{body: {{maxResults: 7, sortCriteria: {{attributeName: createdAt, orderBy: ASC}}}}}}
        walk: {{}}
        expect: {{status: 200}}
      - name: one-time
        request: {{body: {{maxResults: 7, filterCriteria: {{includes: [{one_time}]}}}}}}
        walk: {{}}
        expect: {{status: 200, relations: [{{subset_of: all}}]}}
      - name: one-time running
        request: {{body: {{maxResults: 7, filterCriteria: {{includes: [{one_time}, {running}]}}}}}}
        walk: {{}}
        expect: {{status: 200, relations: [{{subset_of: one-time}}]}}
      - name: not one-time
        request: {{body: {{maxResults: 7, filterCriteria: {{excludes: [{one_time}]}}}}}}
        walk: {{}}
        expect:
          status: 200
          relations:
            - {{disjoint_from: one-time}}
            - {{complement_of: {{all: all, part: one-time}}}}
      - name: newest first
        request: {{body: {{maxResults: 7, sortCriteria: {{attributeName: createdAt, orderBy: DESC}}}}}}
        walk: {{}}
        expect:
          status: 200
          relations:
            - {{same_jobs_as: all}}
            - {{superset_of: one-time running}}
            - {{reversed_from: all}}
"
    ))
}

fn relation_checks(report: &macie_conform::report::CaseReport) -> Vec<(Outcome, String)> {
    report
        .checks
        .iter()
        .filter(|c| c.kind == CheckKind::Relation)
        .map(|c| (c.outcome, c.message.clone()))
        .collect()
}

#[tokio::test]
async fn relations_hold_on_the_reference_server() {
    let server = runner::start_embedded().await.expect("server");
    let r = run_yaml(&related_walks(), &server.url(), Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.checks);
    let relations = relation_checks(&r);
    assert_eq!(relations.len(), 7, "{relations:#?}");
    assert!(
        relations.iter().all(|(o, _)| *o == Outcome::Pass),
        "{relations:#?}"
    );
    // The fixture's 79 jobs: 40 one-time, 8 of them running.
    let messages: Vec<&str> = relations.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        messages.contains(&"subset_of all: the 40 job(s) are all among all's 79"),
        "{messages:#?}"
    );
    assert!(
        messages.contains(&"complement_of all with one-time: these 39 job(s) and one-time's 40 share none and together are all's 79"),
        "{messages:#?}"
    );
}

/// Drops `filterCriteria.excludes` from every request body before the
/// reference server sees it: a server that ignores exclusions.
async fn ignore_excludes(request: Request, next: Next) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) => {
            if let Some(filter) = json
                .get_mut("filterCriteria")
                .and_then(Value::as_object_mut)
            {
                filter.remove("excludes");
            }
            json.to_string().into_bytes().into()
        }
        Err(_) => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[tokio::test]
async fn a_server_that_ignores_excludes_breaks_the_relations() {
    let app = server::router(ServerConfig::embedded().expect("fixture"))
        .layer(middleware::from_fn(ignore_excludes));
    let (url, task) = serve(app).await;
    let r = run_yaml(&related_walks(), &url, Setup::default()).await;
    task.abort();
    assert_eq!(r.verdict, Verdict::Fail, "{:#?}", r.checks);
    let check = failed(&r, CheckKind::Relation);
    assert!(
        check.message.starts_with(
            "disjoint_from one-time: 40 of the 79 job(s) are also in one-time's listing: jobId"
        ),
        "{}",
        check.message
    );
    assert!(
        check
            .detail
            .as_deref()
            .is_some_and(|d| d.lines().count() == 20)
    );
    let relations = relation_checks(&r);
    let failing: Vec<&str> = relations
        .iter()
        .filter(|(o, _)| *o == Outcome::Fail)
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(failing.len(), 2, "{relations:#?}");
    assert!(
        failing[1].starts_with(
            "complement_of all with one-time: 40 job(s) are both here and in one-time"
        ),
        "{failing:#?}"
    );
}

/// A relation that does not hold on the reference data fails: every
/// one-time job is a job, not the other way round.
#[tokio::test]
async fn a_relation_false_on_the_data_fails() {
    let server = runner::start_embedded().await.expect("server");
    let text = one_case(
        "    steps:
      - name: one-time
        request: {body: {filterCriteria: {includes: [{key: jobType, comparator: EQ, values: [ONE_TIME]}]}}}
        walk: {}
        expect: {status: 200}
      - name: all
        request: {}
        walk: {}
        expect: {status: 200, relations: [{subset_of: one-time}]}
",
    );
    let r = run_yaml(&text, &server.url(), Setup::default()).await;
    assert_eq!(r.verdict, Verdict::Fail);
    let check = failed(&r, CheckKind::Relation);
    assert!(
        check
            .message
            .starts_with("subset_of one-time: 39 of the 79 job(s) are not in one-time's listing"),
        "{}",
        check.message
    );
}
