//! The plimsoll pipeline. (Being written.)
