use super::*;

fn knowledge() -> Knowledge {
    let jobs = crate::server::parse_jobs(crate::server::EMBEDDED_FIXTURE, "fixture")
        .map(|jobs| {
            jobs.iter()
                .filter_map(|j| serde_json::to_value(j).ok())
                .collect()
        })
        .unwrap_or_default();
    Knowledge {
        jobs,
        complete: true,
        fixture: true,
        faults: true,
        ..Knowledge::default()
    }
}

/// Every generated case says what it verifies in a sentence a reader
/// can take as it stands: a capital first, a full stop last, no word
/// missing between spaces, no empty parentheses.
#[test]
fn every_recipe_describes_itself_in_a_sentence() {
    let k = knowledge();
    let mut kinds = std::collections::BTreeSet::new();
    let mut recipes = learning(&mut rng(1, 0), &k);
    for seed in 0..20 {
        recipes.extend(draw(&mut rng(seed, 1), &k, 200));
    }
    for recipe in &recipes {
        kinds.insert(recipe.kind());
        let text = recipe.probe("explore.t", &k).verifies;
        // The harness's words, without the quoted values from the data.
        let mut words = String::new();
        let (mut quoted, mut escaped) = (false, false);
        for c in text.chars() {
            match (quoted, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, _, '"') => {
                    quoted = !quoted;
                    words.push('"');
                }
                (true, false, _) => {}
                (false, _, c) => words.push(c),
            }
        }
        let first = text.chars().next().unwrap_or(' ');
        assert!(first.is_uppercase(), "{text}");
        assert!(text.ends_with('.'), "{text}");
        assert!(!words.contains("  ") && !words.contains("()"), "{text}");
        assert!(!words.contains(" ,") && !words.contains(" ."), "{text}");
        assert!(text.chars().count() < 600, "a sentence one reads: {text}");
    }
    // Every kind of recipe was read: the learning ones and those drawn.
    for kind in ["pair", "census"].iter().chain(&DRAWN) {
        assert!(kinds.contains(kind), "no {kind} recipe read: {kinds:?}");
    }
}

/// The kinds of recipe the rounds draw (learning adds pairs and the
/// census).
const DRAWN: [&str; 10] = [
    "listing",
    "narrow",
    "widen",
    "complement",
    "reverse",
    "invalid",
    "impossible",
    "content-type",
    "token",
    "fault",
];

#[test]
fn the_same_seed_draws_the_same_recipes() {
    let k = knowledge();
    let a = draw(&mut rng(7, 1), &k, 200);
    let b = draw(&mut rng(7, 1), &k, 200);
    assert_eq!(a, b);
    let c = draw(&mut rng(8, 1), &k, 200);
    assert_ne!(a, c);
}

#[test]
fn every_kind_is_drawn() {
    let k = knowledge();
    let kinds: BTreeSet<&str> = draw(&mut rng(1, 1), &k, 2000)
        .iter()
        .map(Recipe::kind)
        .collect();
    for kind in DRAWN {
        assert!(kinds.contains(kind), "{kind} never drawn: {kinds:?}");
    }
}

#[test]
fn no_value_reads_as_a_variable() {
    let k = knowledge();
    for recipe in draw(&mut rng(3, 1), &k, 2000) {
        let yaml = recipe.probe("explore.x", &k).to_yaml();
        let stripped = yaml.replace("${token}", "");
        assert!(!stripped.contains("${"), "{yaml}");
    }
}

#[test]
fn smaller_recipes_are_smaller() {
    let q = Query {
        includes: vec![Term {
            key: Key::Name,
            comparator: Cmp::Contains,
            values: vec!["abcd".into(), "x".into()],
        }],
        excludes: Vec::new(),
        sort: Some((Attr::CreatedAt, OrderBy::Asc)),
    };
    let r = Recipe::Listing {
        query: q,
        page: Some(10),
    };
    let smaller = r.smaller();
    assert!(
        smaller
            .iter()
            .any(|s| matches!(s, Recipe::Listing { query, .. } if query.includes.is_empty()))
    );
    assert!(
        smaller
            .iter()
            .any(|s| matches!(s, Recipe::Listing { query, .. } if query.sort.is_none()))
    );
    assert!(
        smaller
            .iter()
            .any(|s| matches!(s, Recipe::Listing { page: Some(1), .. }))
    );
    assert!(smaller.iter().any(|s| matches!(s, Recipe::Listing { query, .. } if query.includes.first().is_some_and(|t| t.values == ["ab", "x"]))));
    assert!(smaller.iter().all(|s| s != &r));
}

#[test]
fn a_flaw_creates_what_leads_to_it() {
    let mut body = json!({});
    set_path(
        &mut body,
        &[
            Seg::Member("filterCriteria"),
            Seg::Member("includes"),
            Seg::Index(0),
            Seg::Member("key"),
        ],
        Some(json!("jobId")),
    );
    assert_eq!(
        body,
        json!({"filterCriteria": {"includes": [{"key": "jobId", "comparator": "EQ", "values": ["ONE_TIME"]}]}})
    );
}
