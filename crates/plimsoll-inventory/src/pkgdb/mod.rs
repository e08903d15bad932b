//! OS package databases: dpkg, apk and rpm.

pub mod apk;
pub mod dpkg;
pub mod rpm;
