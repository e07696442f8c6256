//! Every choice in plain words, led by what was asked: the one wording all
//! renderers use.

use super::*;

impl Asked {
    /// What was asked, as the start of a line (`name GT`).
    fn words(&self) -> String {
        match self {
            Asked::Listing => "a listing request".into(),
            Asked::Pair { key, comparator } => format!("the filter pair {key} {comparator}"),
            Asked::Value { key, value } => format!("the {key} value {value:?}"),
            Asked::OtherOffset { value } => format!("the createdAt bound {value:?}"),
            Asked::TokenOtherQuery => "a token sent with another filter".into(),
            Asked::UndocumentedMember => "undocumented request members".into(),
            Asked::EmptyBody => "an empty request body".into(),
            Asked::NullMembers => "request members set to null".into(),
            Asked::WrongMethod { method } => format!("{method} on the operation's path"),
            Asked::ForeignToken => "a token it never issued".into(),
        }
    }

    /// What accepting it means, where that is plain.
    fn accepted(&self, listed: &str) -> String {
        match self {
            Asked::UndocumentedMember => format!("ignored ({listed})"),
            Asked::EmptyBody => format!("read as {{}} ({listed})"),
            Asked::NullMembers => format!("read as absent ({listed})"),
            Asked::TokenOtherQuery => format!("answered with the new query's listing ({listed})"),
            Asked::ForeignToken => format!("read as a token ({listed})"),
            _ => format!("accepted ({listed})"),
        }
    }
}

impl Observed {
    /// What the target did, in plain words, led by what was asked.
    pub fn words(&self) -> String {
        match self {
            Observed::NoAnswer => "no answer came".into(),
            Observed::Refused {
                status,
                error,
                asked,
            } => format!(
                "{}: refused with {}",
                asked.words(),
                refusal(*status, error)
            ),
            Observed::Accepted {
                asked,
                jobs: n,
                pages,
                more,
            } => {
                let mut listed = format!("{} listed", jobs(*n));
                if *pages > 1 {
                    listed.push_str(&format!(" over {pages} pages"));
                }
                if *more {
                    listed.push_str(", more to come");
                }
                format!("{}: {}", asked.words(), asked.accepted(&listed))
            }
            Observed::Answered { status, asked } => {
                format!("{}: answered with status {status}", asked.words())
            }
            Observed::DefaultPageSize { jobs: n, more } => {
                if *more {
                    format!("default page size: {n}")
                } else {
                    format!(
                        "default page size: at least {n} (all {} on one page)",
                        jobs(*n)
                    )
                }
            }
            Observed::PageSizes {
                honoured,
                refused,
                error,
                capped,
            } => {
                let mut parts = Vec::new();
                if let Some(h) = honoured {
                    parts.push(format!("honoured up to {h}"));
                }
                if let Some(c) = capped {
                    parts.push(format!("pages capped at {}", jobs(*c)));
                }
                if let Some(r) = refused {
                    parts.push(format!(
                        "refused from {r} with {}",
                        error.as_deref().unwrap_or("status 400")
                    ));
                }
                if parts.is_empty() {
                    "maxResults: no value above 1 was answered".into()
                } else {
                    format!("maxResults: {}", parts.join("; "))
                }
            }
            Observed::Order { by: Some(key) } => {
                format!("order: by {} {}", key.attribute, key.direction)
            }
            Observed::Order { by: None } => {
                "order: none of createdAt, jobStatus, name, jobType or jobId".into()
            }
            Observed::Ties {
                attribute,
                by: Some(key),
            } => format!(
                "jobs tied on {attribute}: by {} {}",
                key.attribute, key.direction
            ),
            Observed::Ties {
                attribute,
                by: None,
            } => format!("jobs tied on {attribute}: in no order of another member"),
            Observed::Collation { collation } => format!(
                "names sort {}",
                match collation {
                    Collation::CodePoint => "by code point (upper case first)",
                    Collation::CaseInsensitive => "ignoring case",
                    Collation::Either => "alike by code point and ignoring case here",
                    Collation::Other => "in neither code-point nor case-insensitive order",
                }
            ),
            Observed::NeSeveral { key, none_of: true } => {
                format!("{key} NE with several values: keeps jobs whose value is none of them")
            }
            Observed::NeSeveral {
                key,
                none_of: false,
            } => format!("{key} NE with several values: lists jobs that hold one of them"),
            Observed::Dates {
                example,
                offset,
                fraction_digits,
            } => format!(
                "date-times: offset {offset}, {fraction_digits} fractional digit(s), as in {example}"
            ),
            Observed::PauseDetails { with, of } => {
                format!("USER_PAUSED jobs with userPausedDetails: {with} of {of}")
            }
            Observed::PageFill {
                asked,
                jobs: n,
                more,
            } => {
                let asked =
                    asked.map_or("no maxResults".to_string(), |a| format!("maxResults {a}"));
                if *more {
                    format!(
                        "page fill: {} on the first page for {asked}, more to come",
                        jobs(*n)
                    )
                } else {
                    format!(
                        "page fill: {} on the first and only page for {asked}",
                        jobs(*n)
                    )
                }
            }
            Observed::DataSize { jobs: n, complete } => {
                if *complete {
                    format!("data: {} in all", jobs(*n))
                } else {
                    format!(
                        "data: at least {} (the walk stopped before the end)",
                        jobs(*n)
                    )
                }
            }
            Observed::EmptyListing { items, next_token } => {
                let spell = |s: &Spelling, array: &str| match s {
                    Spelling::EmptyArray => array.to_string(),
                    Spelling::Null => "null".into(),
                    Spelling::LeftOut => "left out".into(),
                };
                let mut said = format!("a listing without jobs: items {}", spell(items, "[]"));
                if let Some(token) = next_token {
                    said.push_str(&format!(", nextToken {}", spell(token, "set")));
                } else {
                    said.push_str(", nextToken set");
                }
                said
            }
        }
    }
}
