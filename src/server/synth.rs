//! Synthetic job sets for scale work (`serve --jobs N`, benchmarks).
//!
//! Generated from a fixed seed, so the same N always gives the same jobs and a
//! benchmark or a bug report can be reproduced exactly.

use crate::model::{
    CriteriaBlockForJob, CriteriaForJob, JobComparator, JobStatus, JobSummary, JobType,
    LastRunErrorStatus, LastRunErrorStatusCode, S3BucketCriteriaForJob, S3BucketDefinitionForJob,
    SimpleCriterionForJob, SimpleCriterionKeyForJob, UserPausedDetails, format_date_time,
};

const SEED: u64 = 0x6d61_6369_6521;
const WORDS: &[&str] = &[
    "audit",
    "billing",
    "customer",
    "daily",
    "exports",
    "finance",
    "hr",
    "logs",
    "nightly",
    "payroll",
    "pii",
    "research",
    "sales",
    "scan",
    "weekly",
    "Ärzte",
    "データ",
];

/// `n` jobs with unique ids, spread over all statuses, types and bucket
/// selection styles, with repeated names and creation times so that sorting
/// has ties to break.
pub fn jobs(n: usize) -> Vec<JobSummary> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let start = 1_672_531_200i64; // 2023-01-01T00:00:00Z
    let mut created = start * 1000;
    (0..n)
        .map(|i| {
            // Roughly one job in eight shares its creation time with the previous one.
            if rng.u8(..8) != 0 {
                created += rng.i64(1_000..3_600_000);
            }
            let job_type = if rng.bool() {
                JobType::OneTime
            } else {
                JobType::Scheduled
            };
            let job_status = *rng.choice(JobStatus::ALL).unwrap_or(&JobStatus::Running);
            let name = format!(
                "{}-{}-{}",
                WORDS[rng.usize(..WORDS.len())],
                WORDS[rng.usize(..WORDS.len())],
                rng.u16(..500)
            );
            let at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(created) * 1_000_000)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let mut job = JobSummary {
                job_id: Some(format!("{:016x}{:016x}", i as u64, rng.u64(..))),
                name: Some(name),
                job_type: Some(job_type),
                job_status: Some(job_status),
                created_at: format_date_time(at),
                last_run_error_status: Some(LastRunErrorStatus {
                    code: Some(if rng.u8(..5) == 0 {
                        LastRunErrorStatusCode::Error
                    } else {
                        LastRunErrorStatusCode::None
                    }),
                }),
                ..JobSummary::default()
            };
            if rng.bool() {
                job.bucket_definitions = Some(vec![S3BucketDefinitionForJob {
                    account_id: format!("{:012}", rng.u64(100_000_000_000..999_999_999_999)),
                    buckets: vec![format!("bucket-{}", rng.u16(..1000))],
                }]);
            } else {
                job.bucket_criteria = Some(S3BucketCriteriaForJob {
                    includes: Some(CriteriaBlockForJob {
                        and: Some(vec![CriteriaForJob {
                            simple_criterion: Some(SimpleCriterionForJob {
                                comparator: Some(JobComparator::Eq),
                                key: Some(SimpleCriterionKeyForJob::S3BucketName),
                                values: Some(vec![format!("bucket-{}", rng.u16(..1000))]),
                            }),
                            tag_criterion: None,
                        }]),
                    }),
                    excludes: None,
                });
            }
            if job_status == JobStatus::UserPaused {
                let paused = at + time::Duration::days(2);
                job.user_paused_details = Some(UserPausedDetails {
                    job_paused_at: format_date_time(paused),
                    job_expires_at: format_date_time(paused + time::Duration::days(30)),
                    job_imminent_expiration_health_event_arn: None,
                });
            }
            job
        })
        .collect()
}
