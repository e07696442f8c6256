//! What any correct server may answer where a case allows more than one
//! outcome.
//!
//! Two rules, applied to every case whatever its author wrote:
//!
//! - An info case observes an open choice between answers the document
//!   allows. A 5xx, a malformed answer or a 200 with a wrong listing is
//!   never such a choice, so every info case is also judged at must level
//!   by [`allowed_answers`]: a well-formed refusal, or a correct answer.
//!   Which of the two the target gave is the observation.
//! - Once a server accepts a request, its answer must be right: every
//!   `any_of` alternative that allows a 200 listing also judges that
//!   listing ([`correct_listing`]), so an allowed status never lets a
//!   wrong listing through.
//!
//! "Correct" here is only what the document fixes for every server: the
//! jobs the filter selects (the oracle with the fixture, the filter
//! semantics without it), the page size, and the order where the document
//! fixes it. An order the document leaves open (OC-3, OC-4, OC-6: a sort
//! by name, whose collation is open) is not judged; see [`judged_request`].

use crate::engine::case::{Expect, Request, Semantic, StatusSet};
use crate::model::ErrorKind;
use serde_json::Value;

/// The path of the operation: requests to it are listing requests.
const OPERATION_PATH: &str = "/jobs/list";

/// The answers every correct server may give to `request`, at must level:
/// to a listing request, a refusal with a ValidationException or a
/// correct listing; to any other method or path, a 4xx that says the
/// operation is not there (400, 403, 404 or 405, OC-16).
pub fn allowed_answers(request: &Request) -> Expect {
    if request.method.eq_ignore_ascii_case("POST") && request.path == OPERATION_PATH {
        Expect {
            any_of: vec![
                Expect {
                    error: Some(ErrorKind::ValidationException),
                    ..Expect::default()
                },
                Expect {
                    status: Some(StatusSet::One(200)),
                    ..Expect::default()
                },
            ],
            ..Expect::default()
        }
    } else {
        Expect {
            status: Some(StatusSet::Any(vec![400, 403, 404, 405])),
            schema: Some(serde_saphyr::Spanned::new(
                "none".to_string(),
                serde_saphyr::Location::UNKNOWN,
                serde_saphyr::Location::UNKNOWN,
            )),
            ..Expect::default()
        }
    }
}

/// Whether an alternative allows a successful listing as the answer.
pub fn allows_listing(alternative: &Expect) -> bool {
    alternative.error.is_none()
        && alternative
            .status
            .as_ref()
            .is_some_and(|s| s.codes().contains(&200))
}

/// The checks that judge a listing's content, beyond those `alternative`
/// already asks for: the filter, the order, the page size, and the oracle
/// (which judges only where the run holds the fixture).
pub fn correct_listing(alternative: &Expect) -> Expect {
    Expect {
        semantics: [Semantic::Filter, Semantic::Sort, Semantic::PageSize]
            .into_iter()
            .filter(|s| !alternative.semantics.contains(s))
            .collect(),
        oracle: !alternative.oracle,
        ..Expect::default()
    }
}

/// The request as the correctness checks read it: a sort by name is
/// dropped, since its collation is open (OC-6), so the listing is judged
/// for its jobs, not their order. (An empty body reaches the checks as
/// `{}`: a server that answers it treats it so, OC-14.)
pub fn judged_request(request: Option<&Value>) -> Option<Value> {
    let mut request = request?.clone();
    let by_name = request
        .pointer("/sortCriteria/attributeName")
        .and_then(Value::as_str)
        == Some("name");
    if by_name && let Some(o) = request.as_object_mut() {
        o.remove("sortCriteria");
    }
    Some(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_name_sort_is_not_judged() {
        let by_name =
            json!({"sortCriteria": {"attributeName": "name", "orderBy": "ASC"}, "maxResults": 3});
        assert_eq!(
            judged_request(Some(&by_name)),
            Some(json!({"maxResults": 3}))
        );
        let by_time = json!({"sortCriteria": {"attributeName": "createdAt", "orderBy": "ASC"}});
        assert_eq!(judged_request(Some(&by_time)), Some(by_time.clone()));
        assert_eq!(judged_request(None), None);
    }

    #[test]
    fn only_a_listing_alternative_is_completed_and_only_with_what_it_lacks() {
        let listing = Expect {
            status: Some(StatusSet::One(200)),
            semantics: vec![Semantic::Sort],
            ..Expect::default()
        };
        assert!(allows_listing(&listing));
        let extra = correct_listing(&listing);
        assert_eq!(extra.semantics, vec![Semantic::Filter, Semantic::PageSize]);
        assert!(extra.oracle);
        let refusal = Expect {
            error: Some(ErrorKind::ValidationException),
            ..Expect::default()
        };
        assert!(!allows_listing(&refusal));
    }
}
