//! mclust's parsimonious covariance models (Celeux & Govaert 1995): each
//! component's covariance is `Σ_j = λ_j D_j A_j D_jᵀ` with a volume `λ_j`, a
//! shape `A_j` (diagonal, `det A_j = 1`) and an orientation `D_j`
//! (orthogonal). The three letters of a name say, in that order, whether the
//! volume, the shape and the orientation are **E**qual across components,
//! **V**ariable, or the **I**dentity. `E` and `V` are the two models of one
//! feature (equal or variable variance).
//!
//! scikit-learn's four types are four of them: `spherical` = VII, `diag` =
//! VVI, `tied` = EEE, `full` = VVV. Every model is stored in one of those
//! four representations ([`CovarianceModel::representation`]), so the
//! E-step kernels and the sufficient statistics are those of the four types.

use std::fmt;
use std::str::FromStr;

use crate::error::{invalid, GmmError};
use crate::model::CovarianceType;

/// One of mclust's covariance models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(clippy::upper_case_acronyms)]
pub enum CovarianceModel {
    /// One feature, equal variance.
    E,
    /// One feature, variable variance.
    V,
    EII,
    VII,
    EEI,
    VEI,
    EVI,
    VVI,
    EEE,
    VEE,
    EVE,
    VVE,
    EEV,
    VEV,
    EVV,
    VVV,
}

impl CovarianceModel {
    /// The 14 multivariate models, in mclust's order.
    pub const ALL: [CovarianceModel; 14] = [
        CovarianceModel::EII,
        CovarianceModel::VII,
        CovarianceModel::EEI,
        CovarianceModel::VEI,
        CovarianceModel::EVI,
        CovarianceModel::VVI,
        CovarianceModel::EEE,
        CovarianceModel::VEE,
        CovarianceModel::EVE,
        CovarianceModel::VVE,
        CovarianceModel::EEV,
        CovarianceModel::VEV,
        CovarianceModel::EVV,
        CovarianceModel::VVV,
    ];

    /// The two models of one feature.
    pub const UNIVARIATE: [CovarianceModel; 2] = [CovarianceModel::E, CovarianceModel::V];

    /// mclust's name (`EII`, …, `VVV`, `E`, `V`).
    pub fn name(self) -> &'static str {
        use CovarianceModel::*;
        match self {
            E => "E",
            V => "V",
            EII => "EII",
            VII => "VII",
            EEI => "EEI",
            VEI => "VEI",
            EVI => "EVI",
            VVI => "VVI",
            EEE => "EEE",
            VEE => "VEE",
            EVE => "EVE",
            VVE => "VVE",
            EEV => "EEV",
            VEV => "VEV",
            EVV => "EVV",
            VVV => "VVV",
        }
    }

    /// scikit-learn's name for the four models it has.
    pub fn sklearn_name(self) -> Option<&'static str> {
        self.alias().map(CovarianceType::name)
    }

    /// The scikit-learn type this model is, if it is one of the four.
    pub fn alias(self) -> Option<CovarianceType> {
        match self {
            CovarianceModel::VII => Some(CovarianceType::Spherical),
            CovarianceModel::VVI => Some(CovarianceType::Diag),
            CovarianceModel::EEE => Some(CovarianceType::Tied),
            CovarianceModel::VVV => Some(CovarianceType::Full),
            _ => None,
        }
    }

    /// The model a scikit-learn type is.
    pub fn from_type(t: CovarianceType) -> Self {
        match t {
            CovarianceType::Spherical => CovarianceModel::VII,
            CovarianceType::Diag => CovarianceModel::VVI,
            CovarianceType::Tied => CovarianceModel::EEE,
            CovarianceType::Full => CovarianceModel::VVV,
        }
    }

    /// The name JSON's `covariance_type` carries: scikit-learn's where one exists, else mclust's.
    pub fn type_name(self) -> &'static str {
        self.sklearn_name().unwrap_or(self.name())
    }

    /// How the covariances are stored and evaluated: one variance per
    /// component (EII, VII, E, V), one diagonal per component (EEI, VEI, EVI,
    /// VVI), one shared matrix (EEE) or one matrix per component (the rest).
    /// The E-step and the sufficient statistics are those of this type.
    pub fn representation(self) -> CovarianceType {
        use CovarianceModel::*;
        match self {
            E | V | EII | VII => CovarianceType::Spherical,
            EEI | VEI | EVI | VVI => CovarianceType::Diag,
            EEE => CovarianceType::Tied,
            VEE | EVE | VVE | EEV | VEV | EVV | VVV => CovarianceType::Full,
        }
    }

    /// Whether the M-step iterates (mclust's inner loop: VEI, VEE, EVE,
    /// VVE, VEV), which makes its fits the slowest.
    pub fn is_iterative(self) -> bool {
        use CovarianceModel::*;
        matches!(self, VEI | VEE | EVE | VVE | VEV)
    }

    /// Volume, shape and orientation: each `E`qual, `V`ariable or `I`dentity
    /// (for `E`/`V`, the variance and two `-`).
    pub fn letters(self) -> [char; 3] {
        let n = self.name().as_bytes();
        if n.len() == 1 {
            [n[0] as char, '-', '-']
        } else {
            [n[0] as char, n[1] as char, n[2] as char]
        }
    }

    /// Whether mclust has a conjugate prior (`priorControl()`) for the model:
    /// all but VEE, EVE, VVE and EVV.
    pub fn has_prior(self) -> bool {
        !matches!(
            self,
            CovarianceModel::VEE
                | CovarianceModel::EVE
                | CovarianceModel::VVE
                | CovarianceModel::EVV
        )
    }

    /// Only for one feature (`E`, `V`).
    pub fn is_univariate(self) -> bool {
        matches!(self, CovarianceModel::E | CovarianceModel::V)
    }

    /// Free parameters of the covariances of `g` components in `d`
    /// dimensions, as mclust's `nVarParams`.
    pub fn n_covariance_parameters(self, g: usize, d: usize) -> usize {
        use CovarianceModel::*;
        let rot = d * d.saturating_sub(1) / 2;
        let shp = d.saturating_sub(1);
        match self {
            E | EII => 1,
            V | VII => g,
            EEI => d,
            VEI => g + shp,
            EVI => 1 + g * shp,
            VVI => g * d,
            EEE => d * (d + 1) / 2,
            VEE => g + shp + rot,
            EVE => 1 + g * shp + rot,
            VVE => g + g * shp + rot,
            EEV => 1 + shp + g * rot,
            VEV => g + shp + g * rot,
            EVV => 1 + g * shp + g * rot,
            VVV => g * d * (d + 1) / 2,
        }
    }
}

impl fmt::Display for CovarianceModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<CovarianceType> for CovarianceModel {
    fn from(t: CovarianceType) -> Self {
        CovarianceModel::from_type(t)
    }
}

impl FromStr for CovarianceModel {
    type Err = GmmError;
    /// mclust's names in any case, and scikit-learn's four (`spherical`,
    /// `diag`/`diagonal`, `tied`, `full`).
    fn from_str(s: &str) -> Result<Self, GmmError> {
        let t = s.trim();
        if let Ok(ty) = t.to_ascii_lowercase().parse::<CovarianceType>() {
            return Ok(ty.into());
        }
        let up = t.to_ascii_uppercase();
        CovarianceModel::ALL
            .into_iter()
            .chain(CovarianceModel::UNIVARIATE)
            .find(|m| m.name() == up)
            .ok_or_else(|| {
                invalid(
                    "covariance",
                    format!(
                        "unknown covariance model \"{t}\" (expected one of mclust's EII, VII, EEI, \
                         VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV, E, V, or \
                         full, diag, spherical, tied)"
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_parameters_are_mclusts_at_d3_g4() {
        // mclust's nVarParams(model, d = 3, G = 4).
        let want = [1, 4, 3, 6, 9, 12, 6, 9, 12, 15, 15, 18, 21, 24];
        for (m, w) in CovarianceModel::ALL.iter().zip(want) {
            assert_eq!(m.n_covariance_parameters(4, 3), w, "{m}");
        }
        assert_eq!(CovarianceModel::E.n_covariance_parameters(4, 1), 1);
        assert_eq!(CovarianceModel::V.n_covariance_parameters(4, 1), 4);
    }

    #[test]
    fn names_parse_in_any_case_and_aliases_map() {
        for m in CovarianceModel::ALL
            .into_iter()
            .chain(CovarianceModel::UNIVARIATE)
        {
            assert_eq!(m.name().parse::<CovarianceModel>().unwrap(), m);
            assert_eq!(
                m.name()
                    .to_ascii_lowercase()
                    .parse::<CovarianceModel>()
                    .unwrap(),
                m
            );
        }
        assert_eq!(
            "Full".parse::<CovarianceModel>().unwrap(),
            CovarianceModel::VVV
        );
        assert_eq!(
            "diag".parse::<CovarianceModel>().unwrap(),
            CovarianceModel::VVI
        );
        assert_eq!(
            "spherical".parse::<CovarianceModel>().unwrap(),
            CovarianceModel::VII
        );
        assert_eq!(
            "tied".parse::<CovarianceModel>().unwrap(),
            CovarianceModel::EEE
        );
        assert_eq!(CovarianceModel::VEV.type_name(), "VEV");
        assert_eq!(CovarianceModel::EEE.type_name(), "tied");
        let e = "VVX".parse::<CovarianceModel>().unwrap_err().to_string();
        assert!(e.contains("\"VVX\"") && e.contains("EVE"), "{e}");
    }
}
