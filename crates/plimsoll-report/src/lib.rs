//! Rendering a [`plimsoll_model::ScanReport`]. (Being written.)
