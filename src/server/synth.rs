//! Synthetic job sets for scale work (`serve --jobs N`, benchmarks).
//!
//! Generated from a fixed seed, so the same N always gives the same jobs and a
//! benchmark or a bug report can be reproduced exactly.
//!
//! Each job draws from its own generator, seeded from the job's index, so job
//! `i` can be made again on its own: a server holding a million synthetic jobs
//! keeps only what it filters and sorts on ([`keys`]) and renders a job's JSON
//! when a page lists it ([`job`]). The one thing that depends on earlier jobs
//! is the creation time, a running sum of [`Keys::step_ms`]; whoever renders
//! job `i` passes it in.

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
/// Names end in a number below this.
const NAME_NUMBERS: u32 = 500;
/// Creation time of the first job, before its own step: 2023-01-01T00:00:00Z.
pub const START_MS: i64 = 1_672_531_200_000;

/// How many distinct names synthetic jobs can have; [`Keys::name`] is below it.
pub const NAME_COUNT: u32 = (WORDS.len() * WORDS.len()) as u32 * NAME_NUMBERS;

/// What a store needs of job `i` to filter and sort it: the first draws of
/// the job's generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    /// Milliseconds from the previous job's creation (or from [`START_MS`]
    /// for job 0) to this one's; 0 when the two share their creation time.
    pub step_ms: i64,
    pub job_type: JobType,
    pub job_status: JobStatus,
    /// Which of the [`NAME_COUNT`] names the job has; [`name`] spells it.
    pub name: u32,
}

/// Job `i`'s generator. The index goes through a mixing function first so
/// that neighbouring jobs get unrelated streams.
fn rng(i: usize) -> fastrand::Rng {
    // splitmix64's finaliser.
    let mut z = SEED ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    fastrand::Rng::with_seed(z ^ (z >> 31))
}

fn draw_keys(rng: &mut fastrand::Rng) -> Keys {
    // Roughly one job in eight shares its creation time with the previous
    // one, so that sorting on it has ties to break.
    let step_ms = if rng.u8(..8) != 0 {
        rng.i64(1_000..3_600_000)
    } else {
        0
    };
    let job_type = if rng.bool() {
        JobType::OneTime
    } else {
        JobType::Scheduled
    };
    let job_status = *rng.choice(JobStatus::ALL).unwrap_or(&JobStatus::Running);
    let words = WORDS.len() as u32;
    let name =
        (rng.u32(..words) * words + rng.u32(..words)) * NAME_NUMBERS + rng.u32(..NAME_NUMBERS);
    Keys {
        step_ms,
        job_type,
        job_status,
        name,
    }
}

/// The sort and filter keys of job `i`.
pub fn keys(i: usize) -> Keys {
    draw_keys(&mut rng(i))
}

/// The text of name number `id` (see [`Keys::name`]); names repeat across
/// jobs so that sorting on them has ties to break.
pub fn name(id: u32) -> String {
    let words = WORDS.len() as u32;
    let number = id % NAME_NUMBERS;
    let pair = id / NAME_NUMBERS;
    format!(
        "{}-{}-{}",
        WORDS[(pair / words) as usize % WORDS.len()],
        WORDS[(pair % words) as usize],
        number
    )
}

/// Job `i` in full, given its creation time (milliseconds since the epoch:
/// [`START_MS`] plus the steps of jobs `0..=i`).
pub fn job(i: usize, created_ms: i64) -> JobSummary {
    let mut rng = rng(i);
    let keys = draw_keys(&mut rng);
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(created_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut job = JobSummary {
        // The index comes first at a fixed width, so ids sort as indices do.
        job_id: Some(format!("{:016x}{:016x}", i as u64, rng.u64(..))),
        name: Some(name(keys.name)),
        job_type: Some(keys.job_type),
        job_status: Some(keys.job_status),
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
    if keys.job_status == JobStatus::UserPaused {
        let paused = at + time::Duration::days(2);
        job.user_paused_details = Some(UserPausedDetails {
            job_paused_at: format_date_time(paused),
            job_expires_at: format_date_time(paused + time::Duration::days(30)),
            job_imminent_expiration_health_event_arn: None,
        });
    }
    job
}

/// `n` jobs with unique ids, spread over all statuses, types and bucket
/// selection styles, with repeated names and creation times so that sorting
/// has ties to break. Job `i` here equals [`job`]`(i, ..)`.
pub fn jobs(n: usize) -> Vec<JobSummary> {
    let mut created = START_MS;
    (0..n)
        .map(|i| {
            created += keys(i).step_ms;
            job(i, created)
        })
        .collect()
}
