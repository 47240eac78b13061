//! The six roles, the areas of the product, and which role may use which area.
//!
//! The table in [`Roles::may`] is the one permission table of the product; the server checks it
//! on every route and the navigation shows only what it allows. Admin-only operations take an
//! [`AdminCap`], which only [`Roles::admin_cap`] can make, so forgetting the check does not
//! compile.

use serde::{Deserialize, Serialize};

use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Advisor,
    Technician,
    Cashier,
    Parts,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Manager, Role::Advisor, Role::Technician, Role::Cashier, Role::Parts];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Advisor => "advisor",
            Role::Technician => "technician",
            Role::Cashier => "cashier",
            Role::Parts => "parts",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    pub fn label(self) -> Msg {
        match self {
            Role::Admin => Msg::RoleAdmin,
            Role::Manager => Msg::RoleManager,
            Role::Advisor => Msg::RoleAdvisor,
            Role::Technician => Msg::RoleTechnician,
            Role::Cashier => Msg::RoleCashier,
            Role::Parts => Msg::RoleParts,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of roles; a user may hold several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roles(u8);

impl Roles {
    pub fn of(roles: &[Role]) -> Self {
        Roles(roles.iter().fold(0, |bits, r| bits | r.bit()))
    }

    pub fn has(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.has(*r))
    }

    /// Whether these roles may use an area of the product.
    pub fn may(self, area: Area) -> bool {
        use Role::*;
        let allowed: &[Role] = match area {
            Area::Customers | Area::Vehicles | Area::Reception | Area::Orders => &[Admin, Manager, Advisor],
            Area::Board => &[Admin, Manager, Advisor, Technician, Cashier, Parts],
            Area::Calendar => &[Admin, Manager, Advisor, Technician],
            Area::MyJobs => &[Technician],
            Area::Checkout => &[Admin, Manager, Cashier],
            Area::Parts => &[Admin, Manager, Parts],
            Area::Reports | Area::Templates => &[Admin, Manager],
            Area::Admin => &[Admin],
        };
        allowed.iter().any(|r| self.has(*r))
    }

    /// The proof needed by admin-only operations.
    pub fn admin_cap(self) -> Option<AdminCap> {
        self.may(Area::Admin).then_some(AdminCap(()))
    }
}

/// The areas of the product, each guarded by [`Roles::may`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    Customers,
    Vehicles,
    Reception,
    Orders,
    Board,
    /// The appointment calendar, read (booking is [`Area::Reception`]'s).
    Calendar,
    MyJobs,
    Checkout,
    Parts,
    Reports,
    /// Service templates (保养套餐): managed by managers.
    Templates,
    Admin,
}

impl Area {
    pub const ALL: [Area; 12] = [
        Area::Customers,
        Area::Vehicles,
        Area::Reception,
        Area::Orders,
        Area::Board,
        Area::Calendar,
        Area::MyJobs,
        Area::Checkout,
        Area::Parts,
        Area::Reports,
        Area::Templates,
        Area::Admin,
    ];
}

/// Proof that the acting user is an administrator. Only [`Roles::admin_cap`] makes one.
#[derive(Debug)]
pub struct AdminCap(());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn a_user_may_hold_several_roles() {
        let roles = Roles::of(&[Role::Cashier, Role::Parts]);
        assert!(roles.has(Role::Cashier) && roles.has(Role::Parts));
        assert!(!roles.has(Role::Admin));
        assert_eq!(roles.iter().collect::<Vec<_>>(), vec![Role::Cashier, Role::Parts]);
        assert!(roles.may(Area::Checkout) && roles.may(Area::Parts));
        assert!(!roles.may(Area::Customers));
    }

    #[test]
    fn only_admins_get_the_admin_capability() {
        assert!(Roles::of(&[Role::Admin]).admin_cap().is_some());
        for role in [Role::Manager, Role::Advisor, Role::Technician, Role::Cashier, Role::Parts] {
            assert!(Roles::of(&[role]).admin_cap().is_none(), "{role:?}");
        }
    }

    #[test]
    fn technicians_see_their_jobs_the_board_and_the_calendar_only() {
        let tech = Roles::of(&[Role::Technician]);
        let allowed: Vec<Area> = Area::ALL.into_iter().filter(|a| tech.may(*a)).collect();
        assert_eq!(allowed, vec![Area::Board, Area::Calendar, Area::MyJobs]);
    }
}
