//! Judging a page walk as one listing. The runner fetches the pages (and,
//! for `complete`, the same listing at the server's own page size) and
//! enforces the run's limits; what the pages say is decided here, with no
//! I/O, from the pages alone.

use super::case::Semantic;
use super::check::{self, CheckKind, CheckResult, Context, Unjudged};
use crate::engine::case::Level;
use serde_json::Value;

/// A walk's pages, in order, and the same jobs as one listing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walked<'a> {
    pub pages: &'a [Vec<Value>],
    pub all: &'a [Value],
}

/// The same query walked at the server's own page size, for `complete`.
#[derive(Debug, Clone)]
pub(crate) enum Reference {
    /// Not walked: the step does not ask for `complete`.
    NotWalked,
    /// Every job of that walk, in order.
    Listing(Vec<Value>),
    /// That walk failed, as its first failed check says.
    Failed {
        message: String,
        unjudged: Option<Unjudged>,
    },
    /// The run's own limits cut that walk short (`max_pages` pages, or the
    /// retained-bytes budget): a correct server may simply hold a longer
    /// listing, so nothing can be compared.
    CutShort { why: Unjudged, max_pages: usize },
}

/// The request of the reference walk: the walk's own, without a page size
/// or a token, so the server pages it as it likes.
pub(crate) fn reference_request(request: &Value) -> Value {
    let mut reference = request.clone();
    if let Some(members) = reference.as_object_mut() {
        members.remove("maxResults");
        members.remove("nextToken");
    }
    reference
}

/// The checks of a walk's listing: for an info case (`guarded`), first at
/// must level what every correct server does whatever it chose (see
/// `check::guard`), then every semantic the step names, in its order.
pub(crate) fn listing_checks(
    ctx: &Context<'_>,
    semantics: &[Semantic],
    walked: Walked<'_>,
    reference: &Reference,
    guarded: bool,
) -> Vec<CheckResult> {
    let Walked { pages, all } = walked;
    let level = ctx.level;
    let mut checks = Vec::new();
    if guarded {
        let judged = check::guard::judged_request(ctx.request);
        let must = Context {
            level: Level::Must,
            request: judged.as_ref(),
            ..*ctx
        };
        checks.extend([
            check::filter_check(&must, all, Level::Must),
            check::sort_check(&must, all, Level::Must, "the walk"),
            check::no_duplicates_check(pages, Level::Must),
            check::oracle_check(&must, all, true, Level::Must),
        ]);
    }
    for semantic in semantics {
        checks.push(match semantic {
            Semantic::Filter => check::filter_check(ctx, all, level),
            Semantic::Sort => check::sort_check(ctx, all, level, "the walk"),
            Semantic::PageSize => {
                let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
                check::page_size_check(ctx.request, &sizes, level)
            }
            Semantic::NoDuplicates => check::no_duplicates_check(pages, level),
            Semantic::Complete => complete(all, reference, level),
        });
    }
    checks
}

/// `complete`: the walk lists what the reference walk lists.
fn complete(all: &[Value], reference: &Reference, level: Level) -> CheckResult {
    match reference {
        Reference::Listing(jobs) => check::complete_check(all, jobs, level),
        Reference::Failed { message, unjudged } => {
            let mut check = CheckResult::fail(
                CheckKind::Complete,
                level,
                format!("the reference walk (no maxResults) failed: {message}"),
            );
            // A reference walk the run's limits cut (its budget spent)
            // judged nothing, as they did not.
            check.unjudged = *unjudged;
            check
        }
        Reference::CutShort { why, max_pages } => {
            let limit = match why {
                Unjudged::RetainedBudget => {
                    "its listing outgrew the retained-bytes budget of the run".to_string()
                }
                _ => format!("it stopped after {max_pages} pages while nextToken kept coming"),
            };
            CheckResult::skip(
                CheckKind::Complete,
                level,
                format!("not verified: the reference walk (no maxResults) was cut short: {limit}"),
            )
            .unjudged(*why)
        }
        // A step that names `complete` always has its reference walked; a
        // walk without one cannot be judged complete.
        Reference::NotWalked => CheckResult::skip(
            CheckKind::Complete,
            level,
            "not verified: the reference walk (no maxResults) was not made",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jobs(ids: &[&str]) -> Vec<Value> {
        ids.iter().map(|id| json!({"jobId": id})).collect()
    }

    fn judge(
        pages: &[Vec<Value>],
        semantics: &[Semantic],
        reference: &Reference,
    ) -> Vec<CheckResult> {
        let all: Vec<Value> = pages.iter().flatten().cloned().collect();
        let request = json!({"maxResults": 2});
        let ctx = Context {
            level: Level::Must,
            schemas: crate::schema::SchemaSet::embedded().expect("schemas"),
            request: Some(&request),
            fixture: None,
        };
        listing_checks(
            &ctx,
            semantics,
            Walked { pages, all: &all },
            reference,
            false,
        )
    }

    #[test]
    fn pages_are_judged_as_one_listing_against_the_reference_walk() {
        let pages = vec![jobs(&["a", "b"]), jobs(&["c"])];
        let full = Reference::Listing(jobs(&["a", "b", "c"]));
        let checks = judge(
            &pages,
            &[
                Semantic::PageSize,
                Semantic::NoDuplicates,
                Semantic::Complete,
            ],
            &full,
        );
        assert!(checks.iter().all(|c| !c.failed()), "{checks:#?}");
        // A job the reference lists and the walk does not.
        let more = Reference::Listing(jobs(&["a", "b", "c", "d"]));
        let checks = judge(&pages, &[Semantic::Complete], &more);
        assert!(checks[0].failed(), "{checks:#?}");
        // A page over maxResults, and a job listed twice.
        let bad = vec![jobs(&["a", "b", "c"]), jobs(&["c"])];
        let checks = judge(&bad, &[Semantic::PageSize, Semantic::NoDuplicates], &full);
        assert!(checks.iter().all(CheckResult::failed), "{checks:#?}");
    }

    #[test]
    fn a_reference_walk_cut_short_judges_nothing_and_one_that_failed_says_why() {
        let pages = vec![jobs(&["a"])];
        let cut = Reference::CutShort {
            why: Unjudged::PageLimit,
            max_pages: 5,
        };
        let checks = judge(&pages, &[Semantic::Complete], &cut);
        assert!(!checks[0].failed() && checks[0].unjudged == Some(Unjudged::PageLimit));
        let failed = Reference::Failed {
            message: "status 500".into(),
            unjudged: None,
        };
        let checks = judge(&pages, &[Semantic::Complete], &failed);
        assert!(checks[0].failed());
    }

    #[test]
    fn the_reference_request_has_no_page_size_or_token() {
        let request =
            json!({"maxResults": 3, "nextToken": "t", "sortCriteria": {"attributeName": "name"}});
        assert_eq!(
            reference_request(&request),
            json!({"sortCriteria": {"attributeName": "name"}})
        );
    }
}
