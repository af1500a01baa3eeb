//! Deserializing model inputs runs the same checks as their constructors: JSON from outside
//! (a saved data set, a service request) cannot build a `Histories` or `Spends` that the
//! constructors would refuse (a negative or huge weight, t_x > T, columns of different
//! lengths), which would break a fit far from where the data came in.
#![allow(clippy::unwrap_used)]

use crm_clv::{Histories, Spends};

#[test]
fn histories_round_trip_and_refuse_what_from_slices_refuses() {
    let h = Histories::from_slices(&[0, 2, 2], &[0.0, 3.0, 3.0], &[5.0, 6.0, 6.0], None).unwrap();
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(serde_json::from_str::<Histories>(&json).unwrap(), h);

    for bad in [
        r#"{"x":[1],"t_x":[2.0],"t":[5.0],"w":[-1.0]}"#,
        r#"{"x":[1,1],"t_x":[2.0,2.0],"t":[5.0,6.0],"w":[9007199254740992.0,1e9]}"#,
        r#"{"x":[1],"t_x":[7.0],"t":[5.0],"w":[1.0]}"#,
        r#"{"x":[1,2],"t_x":[2.0],"t":[5.0],"w":[1.0]}"#,
        r#"{"x":[0],"t_x":[1.0],"t":[5.0],"w":[1.0]}"#,
    ] {
        assert!(serde_json::from_str::<Histories>(bad).is_err(), "{bad}");
    }
}

#[test]
fn spends_round_trip_and_refuse_what_from_slices_refuses() {
    let s = Spends::from_slices(&[0, 2, 3], &[0.0, 10.0, 12.5], None).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Spends>(&json).unwrap(), s);

    for bad in [
        r#"{"x":[1],"zbar":[-3.0],"w":[1.0],"skipped_no_repeat":0.0}"#,
        r#"{"x":[1],"zbar":[3.0],"w":[-1.0],"skipped_no_repeat":0.0}"#,
        r#"{"x":[1],"zbar":[3.0],"w":[1.0],"skipped_no_repeat":-2.0}"#,
        r#"{"x":[1],"zbar":[3.0],"w":[1.0],"skipped_no_repeat":1e300}"#,
        r#"{"x":[1,2],"zbar":[3.0],"w":[1.0,1.0],"skipped_no_repeat":0.0}"#,
    ] {
        assert!(serde_json::from_str::<Spends>(bad).is_err(), "{bad}");
    }
}
