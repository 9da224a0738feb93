//! `gluster_exec::Error` takes every error of the family's happy path with `?`, keeping the
//! original (its field, its variant) inside.

use gluster_exec::journal::parse_journal;
use gluster_exec::model::{Model, VolumeId, Zone};
use gluster_exec::placement::day2::{
    plan_evacuation, plan_expand, Day2Settings, EvacuationTarget, ExpandBy, RebalanceRequest,
};
use gluster_exec::Error;

fn rebalance(model: &Model) -> Result<usize, Error> {
    let plan = RebalanceRequest::new(f64::NAN).plan(model, &Day2Settings::default())?;
    Ok(plan.steps.len())
}

fn evacuate(model: &Model) -> Result<usize, Error> {
    let plan = plan_evacuation(
        model,
        EvacuationTarget::Zone(Zone(9)),
        &Day2Settings::default(),
        1,
    )?;
    Ok(plan.steps.len())
}

fn expand(model: &Model) -> Result<usize, Error> {
    let plan = plan_expand(
        model,
        VolumeId::from_u128(1),
        ExpandBy::Sets(1),
        &Day2Settings::default(),
        1,
    )?;
    Ok(plan.added_sets)
}

fn journal(bytes: &[u8]) -> Result<usize, Error> {
    Ok(parse_journal(bytes)?.len())
}

#[test]
fn day2_request_and_journal_errors_go_through_one_type() {
    let model = Model::new();
    match rebalance(&model) {
        Err(Error::Invalid(field)) => assert_eq!(field.field, "target"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(evacuate(&model), Err(Error::Evacuation(_))));
    assert!(matches!(expand(&model), Err(Error::Expand(_))));
    match journal(b"{\"record\":\"nope\"}\n") {
        Err(e @ Error::Journal(_)) => assert!(e.to_string().contains("line 1"), "{e}"),
        other => panic!("{other:?}"),
    }
}
/// Boxed payloads keep `Result<_, Error>` small (clippy's `result_large_err`).
#[test]
fn the_error_is_two_words_wide() {
    assert!(std::mem::size_of::<Error>() <= 2 * std::mem::size_of::<usize>());
}
