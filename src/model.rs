//! The document's types: the shapes and enums of `ListClassificationJobs`.
//!
//! This is the only module the reference server and the checks share. It holds
//! data and names, never behaviour that a check could inherit from the server
//! (filtering, ordering and paging are implemented separately on each side so
//! that one cannot hide the other's mistakes).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a string enum of the document with its exact wire spelling.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in the order the document lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as it is spelled on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the exact wire spelling (case-sensitive, as the document's
            /// enum values are).
            pub fn from_wire(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The wire spellings of every value, for error messages.
            pub fn wire_names() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Operator of a filter term or of a bucket condition.
    JobComparator {
        Eq = "EQ",
        Gt = "GT",
        Gte = "GTE",
        Lt = "LT",
        Lte = "LTE",
        Ne = "NE",
        Contains = "CONTAINS",
        StartsWith = "STARTS_WITH",
    }
);

wire_enum!(
    /// Lifecycle state of a job.
    JobStatus {
        Running = "RUNNING",
        Paused = "PAUSED",
        Cancelled = "CANCELLED",
        Complete = "COMPLETE",
        Idle = "IDLE",
        UserPaused = "USER_PAUSED",
    }
);

wire_enum!(
    /// Whether a job runs once or on a schedule.
    JobType {
        OneTime = "ONE_TIME",
        Scheduled = "SCHEDULED",
    }
);

wire_enum!(
    /// Whether the latest run met access errors.
    LastRunErrorStatusCode {
        None = "NONE",
        Error = "ERROR",
    }
);

wire_enum!(
    /// Job property a filter term tests.
    ListJobsFilterKey {
        JobType = "jobType",
        JobStatus = "jobStatus",
        CreatedAt = "createdAt",
        Name = "name",
    }
);

wire_enum!(
    /// Job property the listing is ordered by.
    ListJobsSortAttributeName {
        CreatedAt = "createdAt",
        JobStatus = "jobStatus",
        Name = "name",
        JobType = "jobType",
    }
);

wire_enum!(
    /// Direction of the ordering.
    OrderBy {
        Asc = "ASC",
        Desc = "DESC",
    }
);

wire_enum!(
    /// Bucket property a simple bucket condition tests.
    SimpleCriterionKeyForJob {
        AccountId = "ACCOUNT_ID",
        S3BucketName = "S3_BUCKET_NAME",
        S3BucketEffectivePermission = "S3_BUCKET_EFFECTIVE_PERMISSION",
        S3BucketSharedAccess = "S3_BUCKET_SHARED_ACCESS",
    }
);

/// The seven errors the document lists, with their HTTP status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ErrorKind {
    ValidationException,
    ServiceQuotaExceededException,
    AccessDeniedException,
    ResourceNotFoundException,
    ConflictException,
    ThrottlingException,
    InternalServerException,
}

impl ErrorKind {
    /// Every documented error, in status-code order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::ValidationException,
        ErrorKind::ServiceQuotaExceededException,
        ErrorKind::AccessDeniedException,
        ErrorKind::ResourceNotFoundException,
        ErrorKind::ConflictException,
        ErrorKind::ThrottlingException,
        ErrorKind::InternalServerException,
    ];

    /// The HTTP status the document pairs with this error.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::ValidationException => 400,
            ErrorKind::ServiceQuotaExceededException => 402,
            ErrorKind::AccessDeniedException => 403,
            ErrorKind::ResourceNotFoundException => 404,
            ErrorKind::ConflictException => 409,
            ErrorKind::ThrottlingException => 429,
            ErrorKind::InternalServerException => 500,
        }
    }

    /// The error's name, which is also the name of its body schema.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ValidationException => "ValidationException",
            ErrorKind::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            ErrorKind::AccessDeniedException => "AccessDeniedException",
            ErrorKind::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorKind::ConflictException => "ConflictException",
            ErrorKind::ThrottlingException => "ThrottlingException",
            ErrorKind::InternalServerException => "InternalServerException",
        }
    }

    /// Looks an error up by its exact name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// Looks an error up by the status code the document gives it.
    pub fn from_status(status: u16) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.status() == status)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Summary of one job, exactly in the response shape. Every member is optional
/// in the document; absent members are left out when serialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_criteria: Option<S3BucketCriteriaForJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_definitions: Option<Vec<S3BucketDefinitionForJob>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_status: Option<JobStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_type: Option<JobType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_error_status: Option<LastRunErrorStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_paused_details: Option<UserPausedDetails>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3BucketDefinitionForJob {
    pub account_id: String,
    pub buckets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3BucketCriteriaForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excludes: Option<CriteriaBlockForJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub includes: Option<CriteriaBlockForJob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CriteriaBlockForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub and: Option<Vec<CriteriaForJob>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CriteriaForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simple_criterion: Option<SimpleCriterionForJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_criterion: Option<TagCriterionForJob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimpleCriterionForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<JobComparator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<SimpleCriterionKeyForJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagCriterionForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<JobComparator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_values: Option<Vec<TagCriterionPairForJob>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TagCriterionPairForJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserPausedDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_imminent_expiration_health_event_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_paused_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LastRunErrorStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<LastRunErrorStatusCode>,
}

/// One filter condition of a request, after validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilterTerm {
    pub key: ListJobsFilterKey,
    pub comparator: JobComparator,
    pub values: Vec<String>,
}

/// Ordering of a request, after validation. `None` members mean the request
/// left them out and the server's default applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SortCriteria {
    pub attribute: Option<ListJobsSortAttributeName>,
    pub order: Option<OrderBy>,
}

/// Parses a `date-time` value as the document uses it (RFC 3339, the profile
/// of extended ISO 8601 that JSON Schema's `date-time` format names).
///
/// The one parser of date-times: the reference server reads its data set
/// and filter values with it, and the oracle reads the fixture and the
/// target's answers with it. Sharing it hides no server mistake, since it
/// only reads the format the document defines; which instants a filter or
/// a sort selects is still decided separately on each side.
pub fn parse_date_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Formats an instant the one way the harness writes date-times: UTC, `Z`
/// suffix, millisecond precision, or nanosecond precision when the instant
/// has detail below the millisecond (so no instant is rounded onto
/// another). The reference server writes its data this way, and the oracle
/// reduces every spelling a correct server may use to it (OC-17).
///
/// `None` when the instant's UTC date lies outside the years the format can
/// write: a target may send `9999-12-31T23:30:00-01:00`, which is valid
/// RFC 3339 but falls in the year 10000 in UTC.
pub fn format_date_time(t: time::OffsetDateTime) -> Option<String> {
    use time::format_description::BorrowedFormatItem;
    const MILLIS: &[BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    const NANOS: &[BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    let t = t.checked_to_offset(time::UtcOffset::UTC)?;
    let format = if t.nanosecond() % 1_000_000 == 0 {
        MILLIS
    } else {
        NANOS
    };
    t.format(format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_parse_as_rfc_3339_only() {
        let t = parse_date_time("2024-01-09T08:43:00.045+02:00").expect("RFC 3339");
        assert_eq!(t.unix_timestamp_nanos(), 1_704_782_580_045_000_000);
        assert_eq!(t.offset().whole_hours(), 2);
        // RFC 3339 lets a space stand for the `T` (its section 5.6 note).
        assert_eq!(parse_date_time("2024-01-09 06:43:00.045Z"), Some(t));
        for not_rfc_3339 in ["2024-01-09", "2024-01-09T08:43:00", "1704782580", ""] {
            assert_eq!(parse_date_time(not_rfc_3339), None, "{not_rfc_3339:?}");
        }
    }

    #[test]
    fn date_times_are_written_in_utc_with_milliseconds_unless_finer() {
        let spell = |s: &str| parse_date_time(s).and_then(format_date_time);
        assert_eq!(
            spell("2024-01-09T10:43:00+02:00").as_deref(),
            Some("2024-01-09T08:43:00.000Z")
        );
        assert_eq!(
            spell("2024-01-09T08:43:00.045Z").as_deref(),
            Some("2024-01-09T08:43:00.045Z")
        );
        assert_eq!(
            spell("2024-01-09T08:43:00.000000001Z").as_deref(),
            Some("2024-01-09T08:43:00.000000001Z")
        );
        // Valid RFC 3339 whose UTC instant lies past the year 9999.
        assert_eq!(spell("9999-12-31T23:30:00-01:00"), None);
    }
}
