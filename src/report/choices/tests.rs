use super::*;
use serde_json::json;

fn job(id: &str, name: &str, status: &str, created: &str) -> Value {
    json!({"jobId": id, "name": name, "jobStatus": status, "createdAt": created})
}

#[test]
fn an_order_is_named_by_the_attribute_that_explains_it() {
    let jobs = vec![
        job("b", "z", "RUNNING", "2024-01-03T00:00:00Z"),
        job("a", "y", "PAUSED", "2024-01-02T00:00:00Z"),
        job("c", "x", "IDLE", "2024-01-01T00:00:00Z"),
    ];
    assert_eq!(
        order_of(&jobs, None),
        Some(SortKey {
            attribute: "createdAt".into(),
            direction: OrderBy::Desc
        })
    );
    assert_eq!(
        order_of(&jobs, Some("createdAt")).map(|k| k.direction),
        Some(OrderBy::Desc)
    );
    let shuffled = vec![jobs[1].clone(), jobs[0].clone(), jobs[2].clone()];
    assert_eq!(order_of(&shuffled, Some("createdAt")), None);
}

#[test]
fn ties_collation_and_dates_are_read_from_the_jobs() {
    let jobs = vec![
        job("c", "Beta", "IDLE", "2024-01-01T00:00:00.5+00:00"),
        job("a", "alpha", "IDLE", "2024-01-01T00:00:00.500Z"),
        job("b", "gamma", "RUNNING", "2024-01-01T00:00:00Z"),
    ];
    assert_eq!(
        ties_of(&jobs, "jobStatus"),
        Some(SortKey {
            attribute: "name".into(),
            direction: OrderBy::Asc
        }),
        "the IDLE pair ties on createdAt too, and is by name (and jobId DESC)"
    );
    assert_eq!(collation_of(&jobs[..2], false), Collation::CodePoint);
    assert_eq!(collation_of(&jobs[1..], false), Collation::Either);
    let folded = vec![jobs[1].clone(), jobs[0].clone()];
    assert_eq!(collation_of(&folded, false), Collation::CaseInsensitive);
    assert_eq!(
        dates(&jobs),
        Some(Observed::Dates {
            example: "2024-01-01T00:00:00.5+00:00".into(),
            offset: "+00:00".into(),
            fraction_digits: 1
        })
    );
}

#[test]
fn words_say_what_the_target_did() {
    assert_eq!(
        Observed::DefaultPageSize {
            jobs: 50,
            more: true
        }
        .words(),
        "default page size: 50"
    );
    assert_eq!(
        Observed::Refused {
            status: 400,
            error: Some("ValidationException".into()),
            asked: Asked::UndocumentedMember
        }
        .words(),
        "undocumented request members: refused with 400 ValidationException"
    );
    assert_eq!(
        Observed::PageSizes {
            honoured: Some(25),
            refused: Some(39),
            error: Some("ValidationException".into()),
            capped: None
        }
        .words(),
        "maxResults: honoured up to 25; refused from 39 with ValidationException"
    );
    assert_eq!(
        Observed::Order {
            by: Some(SortKey {
                attribute: "createdAt".into(),
                direction: OrderBy::Asc
            })
        }
        .words(),
        "order: by createdAt ASC"
    );
}
