//! Decision support that needs no records: the differential on a drawing and the plan check. [`Support`] holds
//! the reference data (atlas, ranker, drug catalog) and does the validation and the work; it authorises nothing,
//! so it is for clients that hold no patient data (the CLI's stateless commands). Every networked or
//! record-bound caller goes through the [`App`](crate::App) methods of the same names, which authorise first.

use std::sync::Arc;

use taut_atlas::Atlas;
use taut_core::differential::{Differential, DrawingInput, Ranker};
use taut_core::plan::{self, Catalog, PlanInput, Report};

use crate::AppError;

/// The compiled-in reference data, prepared once.
#[derive(Clone)]
pub struct Support {
    atlas: &'static Atlas,
    ranker: Arc<Ranker<'static>>,
}

impl std::fmt::Debug for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Support")
            .field("atlas", &self.atlas.version())
            .finish_non_exhaustive()
    }
}

impl Support {
    pub fn new(atlas: &'static Atlas) -> Support {
        Support {
            atlas,
            ranker: Arc::new(Ranker::new(atlas)),
        }
    }

    /// Over the atlas compiled into the binary.
    pub fn embedded() -> Result<Support, AppError> {
        let atlas = Atlas::embedded().map_err(|e| AppError::Reference(e.to_string()))?;
        Ok(Support::new(atlas))
    }

    pub fn atlas(&self) -> &'static Atlas {
        self.atlas
    }

    /// The drug catalog compiled into the binary.
    pub fn catalog(&self) -> Result<&'static Catalog, AppError> {
        Catalog::embedded().map_err(|e| AppError::Reference(e.clone()))
    }

    /// Ranks the trigger points that explain a drawing; invalid input names its field.
    pub fn differential(&self, input: &DrawingInput) -> Result<Differential<'static>, AppError> {
        let drawing = input.drawing(self.atlas)?;
        let top = input.top()?;
        Ok(self.ranker.rank(&drawing, top))
    }

    /// Checks a treatment plan against the catalog and the patient's history; invalid input names its field.
    pub fn check_plan(&self, input: &PlanInput) -> Result<Report, AppError> {
        let catalog = self.catalog()?;
        let plan = input.resolve(self.atlas, catalog)?;
        Ok(plan::check(&plan, catalog))
    }
}
