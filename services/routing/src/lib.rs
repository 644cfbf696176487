//! Category catalogue and responsibility list: versioned, effective-dated routing with explanations.
