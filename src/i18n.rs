//! The message catalog: every text a person sees, in Simplified Chinese and English. (Long by
//! nature: one line per message.)
//!
//! Each message is one variant of [`Msg`] with both translations side by side in one table, so
//! the two catalogs cannot drift apart: a message missing a language does not compile. Texts may
//! hold `{}` placeholders, filled in order by [`Lang::fmt`]; a unit test checks that both
//! languages of a message carry the same number of them.
//!
//! This module is a leaf: the domain names the messages its rules produce, the web layer renders
//! them in the user's language.

use serde::{Deserialize, Serialize};

/// A language the product speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code used in forms, cookies and the `lang` attribute of pages.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh_cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::Zh
            } else if tag.starts_with("en") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// The message with its `{}` placeholders replaced by `args`, in order.
    pub fn fmt(self, msg: Msg, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut rest = msg.text(self);
        while let Some(at) = rest.find("{}") {
            out.push_str(&rest[..at]);
            if let Some(arg) = args.next() {
                out.push_str(&arg.to_string());
            }
            rest = &rest[at + 2..];
        }
        out.push_str(rest);
        out
    }
}

macro_rules! catalog {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        /// One text of the product; see the module documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Msg { $($name,)* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$name,)*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::Zh) => $zh, (Msg::$name, Lang::En) => $en,)*
                }
            }

            pub fn key(self) -> &'static str {
                match self { $(Msg::$name => stringify!($name),)* }
            }
        }
    };
}

catalog! {
    // The product and its shell.
    AppName => "扳手台", "wrenchdesk";
    LangName => "中文", "English";
    SwitchLang => "English", "中文";
    SignedInAs => "当前用户", "Signed in as";
    Home => "首页", "Home";
    SkipToContent => "跳到正文", "Skip to content";
    Saved => "已保存", "Saved";
    Save => "保存", "Save";
    Cancel => "取消", "Cancel";
    Back => "返回", "Back";
    Yes => "是", "Yes";
    No => "否", "No";
    Active => "有效", "Active";
    Inactive => "已停用", "Inactive";
    Never => "从未", "Never";
    ComingSoon => "即将上线", "Coming soon";
    Print => "打印", "Print";

    // Login and accounts.
    Login => "登录", "Sign in";
    Logout => "退出", "Sign out";
    LoginTitle => "登录扳手台", "Sign in to wrenchdesk";
    LoginLead => "请输入您的用户名和密码。", "Enter your username and password.";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    DisplayName => "显示名称", "Display name";
    LoginFailed => "用户名或密码不正确。", "Wrong username or password.";
    LoginThrottled => "登录失败次数过多，请在 {} 秒后再试。", "Too many failed sign-ins. Try again in {} seconds.";
    AccountInactive => "此账号已停用，请联系管理员。", "This account is deactivated. Ask your administrator.";
    SessionExpired => "会话已过期，请重新登录。", "Your session has ended. Please sign in again.";
    LoggedOut => "您已退出。", "You have signed out.";
    ChangePassword => "修改密码", "Change password";
    MustChangePassword => "首次登录请先设置您自己的密码。", "Please set your own password before you continue.";
    CurrentPassword => "当前密码", "Current password";
    NewPassword => "新密码", "New password";
    ConfirmPassword => "确认新密码", "Confirm new password";
    PasswordChanged => "密码已修改。", "Your password has been changed.";
    PasswordWrongCurrent => "当前密码不正确。", "The current password is not correct.";
    PasswordTooShort => "密码至少需要 {} 个字符。", "The password needs at least {} characters.";
    PasswordTooLong => "密码最多 {} 个字符。", "The password can have at most {} characters.";
    PasswordMismatch => "两次输入的新密码不一致。", "The two new passwords do not match.";
    PasswordSameAsOld => "新密码不能与当前密码相同。", "The new password must differ from the current one.";
    PasswordHint => "至少 {} 个字符。", "At least {} characters.";

    // Field checks.
    Required => "必填。", "Required.";
    TooLong => "最多 {} 个字符。", "At most {} characters.";
    UsernameInvalid => "用户名只能包含字母、数字、点、横线和下划线，3 到 32 个字符。", "A username has 3 to 32 letters, digits, dots, dashes or underscores.";
    UsernameTaken => "该用户名已被使用。", "This username is taken.";
    RolesRequired => "至少选择一个角色。", "Choose at least one role.";
    RoleUnknown => "未知角色。", "Unknown role.";
    NumberInvalid => "请输入整数。", "Enter a whole number.";
    NumberRange => "请输入 {} 到 {} 之间的数。", "Enter a number from {} to {}.";
    TimeZoneInvalid => "未知时区：请从列表中选择（中国为 Asia/Shanghai）。", "Unknown time zone: choose one from the list (China is Asia/Shanghai).";
    UrlInvalid => "请输入以 http:// 或 https:// 开头的地址，例如 http://192.168.1.20:8080。", "Enter an address starting with http:// or https://, e.g. http://192.168.1.20:8080.";
    LangInvalid => "请选择一种语言。", "Choose a language.";
    FormHasErrors => "请修改下面标出的内容。", "Please correct the fields marked below.";
    StaleEdit => "此记录已被他人修改，请查看最新内容后再保存。", "Someone else changed this record. Check the latest version, then save again.";

    // Roles.
    RoleAdmin => "系统管理员", "Administrator";
    RoleManager => "店长", "Manager";
    RoleAdvisor => "业务接待", "Service advisor";
    RoleTechnician => "维修技师", "Technician";
    RoleCashier => "收银员", "Cashier";
    RoleParts => "仓管员", "Parts clerk";
    Roles => "角色", "Roles";

    // Navigation and modules.
    NavCustomers => "客户", "Customers";
    NavVehicles => "车辆", "Vehicles";
    NavReception => "接待开单", "Reception";
    NavOrders => "工单", "Work orders";
    NavBoard => "车间看板", "Shop board";
    NavMyJobs => "我的工作", "My jobs";
    NavCheckout => "结算收银", "Checkout";
    NavParts => "配件库存", "Parts";
    NavReports => "统计报表", "Reports";
    NavAdmin => "系统管理", "Administration";
    NavUsers => "用户与角色", "Users and roles";
    NavSettings => "系统参数", "Settings";
    NavAudit => "操作日志", "Audit log";
    CardCustomers => "客户档案、联系记录、消费历史。", "Customer records, contact history, spending.";
    CardVehicles => "车辆档案、保险、年检与保养提醒。", "Vehicle records, insurance, inspection and service reminders.";
    CardReception => "查车牌、接车、开工单、客户确认。", "Plate lookup, check-in, work orders, customer approval.";
    CardBoard => "所有在修车辆的实时进度。", "Live progress of every car in the shop.";
    CardMyJobs => "扫描工单二维码，开始、暂停、完成维修项目。", "Scan an order's QR code to start, pause and finish your jobs.";
    CardCheckout => "结算、分笔付款、挂账与日结。", "Settlement, split payments, receivables and day-end cash-up.";
    CardParts => "配件目录、入库出库、盘点与低库存预警。", "Parts catalog, stock in and out, stocktake, low-stock alerts.";
    CardReports => "营业额、业务量、技师产值、配件毛利。", "Revenue, volume, technician output, parts margin.";
    CardUsers => "添加用户、分配角色、重置密码、停用账号。", "Add users, assign roles, reset passwords, deactivate accounts.";
    CardSettings => "门店信息、时区、密码与会话规则、二维码地址。", "Shop profile, time zone, password and session rules, QR address.";
    CardAudit => "谁在何时做了什么。", "Who did what, and when.";
    CardExport => "把全部数据导出为 CSV 文件（一个压缩包）。", "Take every record out as CSV files in one zip.";
    ExportTitle => "导出数据", "Export";
    ExportLead => "下载门店的全部记录：每类记录一个 CSV 文件（UTF-8，Excel 可直接打开中文），连同说明文件 README.txt，打包为一个 zip。照片也在其中。", "Download every record of the shop: one CSV file per kind (UTF-8, Excel opens the Chinese text), with a README.txt describing each file and its columns, in one zip. Photos are included.";
    ExportTimes => "金额为十进制文本；时间同时给出 UTC 和门店当地时间。大型数据库需要几分钟，下载期间门店照常工作。", "Money is plain decimal text; times are given in UTC and in the shop's time. A large database takes a few minutes; the shop keeps working meanwhile.";
    ExportDownload => "下载导出文件", "Download the export";
    HomeGreeting => "您好，{}", "Hello, {}";
    HomeLead => "今天要做什么？", "What would you like to do?";

    // Users administration.
    UsersTitle => "用户与角色", "Users and roles";
    NewUser => "新建用户", "New user";
    CreateUser => "创建用户", "Create user";
    UserCreated => "用户已创建。首次登录时需修改密码。", "User created. They must change the password at first sign-in.";
    InitialPassword => "初始密码", "Initial password";
    Status => "状态", "Status";
    LastChanged => "最后修改", "Last changed";
    EditUser => "编辑用户", "Edit user";
    UpdateRoles => "保存角色", "Save roles";
    RolesSaved => "角色已保存。", "Roles saved.";
    ResetPassword => "重置密码", "Reset password";
    PasswordReset => "密码已重置。该用户下次登录时需修改密码。", "Password reset. The user must change it at the next sign-in.";
    Deactivate => "停用", "Deactivate";
    Reactivate => "重新启用", "Reactivate";
    UserDeactivated => "用户已停用，其所有会话已结束。", "User deactivated; all their sessions have ended.";
    UserReactivated => "用户已重新启用。", "User reactivated.";
    CannotDeactivateSelf => "不能停用自己的账号。", "You cannot deactivate your own account.";
    LastAdmin => "至少要保留一个有效的系统管理员。", "At least one active administrator must remain.";
    MustChangeFlag => "需修改密码", "Must change password";

    // Settings.
    SettingsTitle => "系统参数", "Settings";
    ShopName => "门店名称", "Shop name";
    ShopAddress => "门店地址", "Shop address";
    ShopPhone => "门店电话", "Shop phone";
    DefaultLang => "默认语言", "Default language";
    TimeZone => "时区", "Time zone";
    PasswordMinLen => "密码最小长度", "Minimum password length";
    SessionIdleMinutes => "闲置超时（分钟）", "Idle timeout (minutes)";
    SessionAbsoluteHours => "会话最长时间（小时）", "Session length (hours)";
    TechnicianSessionHours => "技师会话最长时间（小时）", "Technician session length (hours)";
    PublicBaseUrl => "二维码地址（手机访问本机的地址）", "QR address (how phones reach this box)";
    PublicBaseUrlHelp => "打印在工单二维码中，手机扫码后打开此地址。", "Printed in work-order QR codes; phones open this address when they scan.";
    SettingsSaved => "参数已保存。", "Settings saved.";
    ShopSection => "门店", "Shop";
    SecuritySection => "安全", "Security";

    // Audit log.
    AuditTitle => "操作日志", "Audit log";
    AuditWhen => "时间", "When";
    AuditWho => "操作人", "Who";
    AuditAction => "操作", "Action";
    AuditRecord => "记录", "Record";
    AuditSummary => "摘要", "Summary";
    AuditEmpty => "还没有记录。", "Nothing recorded yet.";
    OlderEntries => "更早的记录", "Older entries";
    System => "系统", "System";

    // Customers.
    NewCustomer => "新建客户", "New customer";
    EditCustomer => "编辑客户", "Edit customer";
    CustomerKind => "客户类型", "Customer type";
    KindPerson => "个人", "Person";
    KindCompany => "单位", "Company";
    Name => "姓名/名称", "Name";
    NameOrCompany => "姓名或单位名称", "Name or company name";
    Gender => "性别", "Gender";
    GenderMale => "男", "Male";
    GenderFemale => "女", "Female";
    Phone => "电话", "Phone";
    Phone2 => "备用电话", "Second phone";
    Email => "电子邮箱", "E-mail";
    Address => "地址", "Address";
    Source => "客户来源", "Source";
    Level => "客户等级", "Level";
    Birthday => "生日", "Birthday";
    Notes => "备注", "Notes";
    ContactPerson => "联系人", "Contact person";
    TaxNo => "税号", "Tax number";
    CompanyOnly => "单位客户填写", "For companies";
    NotSet => "未设置", "Not set";
    Any => "全部", "Any";
    SourceWalkIn => "自然到店", "Walk-in";
    SourceReferral => "朋友介绍", "Referral";
    SourceOnline => "网络", "Online";
    SourceInsurer => "保险公司", "Insurer";
    SourceFleet => "车队", "Fleet";
    SourceOther => "其他", "Other";
    LevelOrdinary => "普通", "Ordinary";
    LevelSilver => "银卡", "Silver";
    LevelGold => "金卡", "Gold";
    LevelVip => "VIP客户", "VIP";
    StatusActive => "正常", "Active";
    StatusDormant => "休眠", "Dormant";
    StatusInvalid => "无效", "Invalid";
    StatusDefault => "正常（默认）", "Active (default)";
    StatusSaved => "状态已保存。", "Status saved.";
    StatusHelp => "休眠和无效的客户不在默认列表中显示，但仍可搜索到。", "Dormant and invalid customers are hidden from default lists but can still be found.";
    SaveStatus => "保存状态", "Save status";
    DeleteCustomer => "删除客户", "Delete customer";
    CustomerHasBusiness => "该客户有业务往来，不能删除。请将其标记为“无效”。", "This customer has business with the shop and cannot be deleted. Mark them invalid instead.";
    CustomerUnknown => "找不到该客户。", "No such customer.";
    Search => "搜索", "Search";
    QuickSearchHint => "姓名、电话或车牌", "Name, phone or plate";
    AdvancedSearch => "高级搜索", "Advanced search";
    ApplyFilters => "筛选", "Apply filters";
    ClearFilters => "清除条件", "Clear filters";
    CreatedFrom => "建档日期从", "Created from";
    CreatedTo => "建档日期至", "Created to";
    ResultCount => "共 {} 条", "{} found";
    NoCustomersFound => "没有找到客户。", "No customers found.";
    Pages => "分页", "Pages";
    Previous => "上一页", "Previous";
    Next => "下一页", "Next";
    PageOf => "第 {} 页，共 {} 页", "Page {} of {}";
    ExportCsv => "导出 CSV", "Export CSV";
    Plates => "车牌", "Plates";
    Details => "基本信息", "Details";
    CustomerSince => "建档时间", "Customer since";
    Consumption => "消费情况", "Spending";
    Visits => "来店次数", "Visits";
    TotalSpent => "累计消费", "Total spent";
    LastVisit => "最近来店", "Last visit";
    NoOrdersYet => "还没有工单。", "No work orders yet.";
    Vehicles => "车辆", "Vehicles";
    NoVehiclesYet => "还没有车辆。", "No vehicles yet.";
    AddVehicle => "添加车辆", "Add vehicle";
    Edit => "编辑", "Edit";
    Reminders => "提醒", "Reminders";
    ContactHistory => "联系记录", "Contact history";
    ContactKind => "联系方式", "Contact type";
    ContactCall => "电话", "Call";
    ContactVisit => "到店", "Visit";
    ContactMessage => "消息", "Message";
    ContactSummary => "联系内容摘要", "What was said";
    LogContact => "记录", "Log it";
    ContactSaved => "联系记录已保存。", "Contact logged.";
    NoContactsYet => "还没有联系记录。", "No contacts logged yet.";
    PhoneShared => "这个电话号码已被以下客户使用（家人可能共用一个号码）：", "This phone number is already used by (families may share one):";
    PhoneSharedConfirm => "确认使用这个号码", "Use this number anyway";
    Choose => "选择", "Choose";
    CustomersSection => "客户", "Customers";
    CustomerSources => "客户来源", "Customer sources";
    CustomerLevels => "客户等级", "Customer levels";
    OnePerLine => "每行一个。", "One per line.";
    TooManyChoices => "最多 {} 项。", "At most {} choices.";

    ExportXlsx => "导出 Excel", "Export Excel";
    CustomerDeleted => "客户已删除。", "Customer deleted.";
    ImportTitle => "导入客户", "Import customers";
    ImportLead => "从 Excel (.xlsx) 或 CSV 文件导入客户及其车辆。先预览，确认后一次导入。", "Import customers with their vehicles from an Excel (.xlsx) or CSV file. You see a preview first; confirming imports everything at once.";
    ImportFile => "文件 (.xlsx 或 .csv；Excel 另存的 GBK 编码 CSV 也可以)", "File (.xlsx or .csv; a CSV saved by a Chinese Excel in GBK works too)";
    ImportColumns => "第一行为表头，中文或英文均可，至少要有姓名和电话两列。可用的列：", "The first row names the columns, in Chinese or English; name and phone are required. Columns understood:";
    ImportCheck => "检查并预览", "Check and preview";
    ImportBadFile => "无法读取该文件。请使用 .xlsx，或另存为 CSV（UTF-8 或 GBK 编码）。", "The file could not be read. Use .xlsx, or save it as CSV (UTF-8 or GBK).";
    ImportTooManyRows => "一次最多导入 {} 行。", "At most {} rows per import.";
    ImportNeedsColumns => "表头中找不到姓名和电话两列。", "The header row has no name and phone columns.";
    ImportPreview => "导入预览", "Import preview";
    ImportNew => "将新建", "Will be created";
    ImportDuplicate => "重复", "Duplicates";
    ImportError => "有错误", "Errors";
    ImportLine => "行号", "Row";
    ImportSameCustomer => "已有同名同电话的客户。", "A customer with this name and phone exists.";
    ImportRepeatedRow => "文件中前面已有同一客户。", "The same customer appears earlier in the file.";
    ImportRepeatedPlate => "在文件中重复出现。", "appears more than once in the file.";
    ImportConfirmLead => "将新建 {} 位客户；重复和有错误的行会被跳过。", "{} customers will be created; duplicates and rows with errors are skipped.";
    ImportConfirm => "确认导入 {} 位客户", "Import {} customers";
    ImportNothingToDo => "没有可以导入的新客户。", "There are no new customers to import.";
    ImportExpired => "预览已过期，请重新上传文件。", "The preview has expired. Please upload the file again.";
    ImportDone => "已导入 {} 位客户、{} 辆车。", "Imported {} customers and {} vehicles.";
    PartsImport => "导入目录", "Import catalog";
    PartsImportTitle => "导入配件目录", "Import the parts catalog";
    PartsImportLead => "从 Excel (.xlsx) 或 CSV 文件导入配件。按配件编号对应已有配件（不区分大小写、空格和横线），新编号将新建。先预览，确认后一次写入。", "Import parts from an Excel (.xlsx) or CSV file. Rows are matched to existing parts by part number (ignoring case, spaces and dashes); new numbers are created. You see a preview first; confirming writes everything at once.";
    PartsImportColumns => "第一行为表头，中文或英文均可（与导出的文件相同）。只有编号列必填；文件中没有的列，已有配件保持原值。成本只用作新配件的初始成本。可用的列：", "The first row names the columns, in Chinese or English (as in the exported file). Only the number column is required; a column the file lacks keeps the existing parts' values. Cost is only the starting cost of new parts. Columns understood:";
    PartsImportNeedsNumber => "表头中找不到编号（number）列。", "The header row has no number column.";
    ImportChanged => "将修改", "Will be changed";
    ImportUnchanged => "无变化", "Unchanged";
    PartsImportRepeated => "编号已在文件第 {} 行出现。", "The number already appears on row {} of the file.";
    PartsImportCostKept => "成本跟随入库的移动平均，导入不修改已有配件的成本。", "Cost follows the receipts' moving average; an import does not change an existing part's cost.";
    PartsImportSupplierUnknown => "没有叫“{}”的供应商。", "There is no supplier named “{}”.";
    PartsImportYesNo => "请填 是 或 否。", "Write yes or no.";
    PartsImportConfirmLead => "将新建 {} 个、修改 {} 个配件，在一次保存中写入；有错误的行不会写入。", "{} parts will be created and {} changed, in one save; rows with errors are not written.";
    PartsImportConfirm => "确认导入（新建 {}，修改 {}）", "Import (create {}, change {})";
    PartsImportNothingToDo => "没有需要新建或修改的配件。", "There are no parts to create or change.";
    PartsImportStale => "预览之后目录有变动（{}），没有导入任何内容。请重新上传文件。", "The catalog changed after the preview ({}); nothing was imported. Please upload the file again.";
    PartsImportMore => "另有 {} 行未列出。", "{} more rows are not listed.";
    ImportRowNo => "第 {} 行", "Row {}";
    PartsImported => "已导入：新建 {} 个、修改 {} 个配件。", "Imported: {} parts created, {} changed.";

    // Vehicles and the kiosk lookup.
    Vehicle => "车辆", "Vehicle";
    NewVehicle => "新建车辆", "New vehicle";
    EditVehicle => "编辑车辆", "Edit vehicle";
    Plate => "车牌号", "Plate";
    Vin => "车架号 (VIN)", "VIN";
    Make => "品牌", "Make";
    Model => "车型", "Model";
    MakeModel => "品牌车型", "Make and model";
    Year => "年款", "Year";
    Color => "颜色", "Colour";
    EngineNo => "发动机号", "Engine number";
    Mileage => "里程", "Mileage";
    MileageKm => "里程 (公里)", "Mileage (km)";
    Km => "{} 公里", "{} km";
    ListSeparator => "、", ", ";
    SummaryRequired => "请填写联系内容摘要（最多 500 字）。", "Write what was said (at most 500 characters).";
    Insurer => "保险公司", "Insurer";
    PolicyNo => "保单号", "Policy number";
    InsuranceExpiry => "保险到期", "Insurance expiry";
    InspectionDue => "年检到期", "Inspection due";
    NextServiceDate => "下次保养日期", "Next service date";
    NextServiceKm => "下次保养里程 (公里)", "Next service at (km)";
    NextService => "下次保养", "Next service";
    Owner => "车主", "Owner";
    ChooseOwner => "先选择车主", "First choose the owner";
    PreviousOwners => "以前的车主", "Previous owners";
    OwnerUntil => "车主至", "Owner until";
    RepairHistory => "维修保养记录", "Repair and service history";
    TransferOwnership => "过户", "Transfer ownership";
    TransferHelp => "把车辆转给另一位客户，维修记录保留在车上。", "Hand the vehicle to another customer; its history stays with the car.";
    TransferHere => "过户给此客户", "Transfer to this customer";
    TransferSameOwner => "车辆已属于该客户。", "The vehicle already belongs to this customer.";
    Transferred => "已过户。", "Ownership transferred.";
    PlateInvalid => "车牌格式不对：中国车牌如 京A12345（7 或 8 位），外国车牌为 2–10 位字母和数字。", "Not a valid plate: Chinese plates look like 京A12345 (7 or 8 characters); other countries' are 2–10 letters and digits.";
    PlateTaken => "这个车牌已属于另一辆车。", "This plate already belongs to another vehicle.";
    PlateUnknown => "没有这个车牌的车辆。", "No vehicle has this plate.";
    VinLength => "车架号应为 17 位。", "A VIN has 17 characters.";
    VinChars => "车架号只能包含数字和字母（不含 I、O、Q）。", "A VIN has only digits and letters (no I, O or Q).";
    VinTaken => "这个车架号已属于另一辆车。", "This VIN already belongs to another vehicle.";
    VinCheckWarning => "车架号的校验位不符，请核对是否输错。", "The VIN's check digit does not match: please check it for a typo.";
    MileageDecrease => "里程比上次记录的 {} 公里还少。", "The mileage is below the {} km recorded before.";
    ConfirmMileage => "确认里程确实减少（如更换过仪表）", "Confirm the lower mileage (e.g. a replaced instrument cluster)";
    CodeInvalid => "只能包含字母、数字、横线和斜线。", "Only letters, digits, dashes and slashes.";
    PlateKeypad => "车牌键盘", "Plate keypad";
    Backspace => "删除", "Backspace";
    Clear => "清空", "Clear";
    Lookup => "查询", "Look up";
    LookupLead => "输入或点选车牌号，查找车辆和车主。", "Type or tap the plate to find the car and its owner.";
    LookupAnother => "查另一辆车", "Look up another car";
    OpenOrders => "在修工单", "Open work orders";
    VehiclePage => "车辆档案", "Vehicle record";
    CustomerPage => "客户档案", "Customer record";
    NewCarTitle => "新车辆与车主", "New car and owner";
    NewCarLead => "这个车牌还没有记录。填写车辆和车主，一次保存。", "This plate is not on file yet. Fill in the car and its owner and save both at once.";
    AddToExisting => "添加到已有客户 {}", "Add to existing customer {}";
    CreateNewCustomer => "新建客户", "Create a new customer";
    SaveCustomerAndVehicle => "保存车主和车辆", "Save owner and vehicle";
    OpenIt => "打开", "Open it";

    // Field checks (customers and vehicles).
    ChoiceInvalid => "请从列表中选择。", "Choose from the list.";
    PhoneInvalid => "电话号码不对：手机为 1 开头的 11 位数字，座机带区号，国外号码以 + 开头。", "Not a valid phone number: mobiles are 11 digits starting with 1, landlines include the area code, foreign numbers start with +.";
    EmailInvalid => "邮箱格式不对，例如 name@example.com。", "Not a valid e-mail address, e.g. name@example.com.";
    DateInvalid => "日期格式为 年-月-日，例如 2026-03-01。", "Enter a date as YYYY-MM-DD, e.g. 2026-03-01.";
    DateInFuture => "日期不能晚于今天。", "The date cannot be after today.";
    TaxNoInvalid => "税号为 6–20 位字母和数字（统一社会信用代码 18 位）。", "A tax number has 6–20 letters and digits (18 for a Chinese credit code).";

    // Work orders.
    NavTemplates => "保养套餐", "Service templates";
    CardOrders => "所有工单：筛选、搜索、打印。", "Every work order: filter, search, print.";
    CardTemplates => "常用项目组合，开单时一键加入。", "Common sets of lines, added to an order in one tap.";
    OrdersSection => "工单", "Work orders";
    LabourRate => "工时单价（每小时）", "Labour rate (per hour)";
    OrderNumberFormat => "工单编号格式", "Order number format";
    OrderNumberFormatHelp => "{date} 为 20261128，{yymmdd} 为 261128，{seq} 为当天序号 001、002……", "{date} is 20261128, {yymmdd} is 261128, {seq} is the day's sequence 001, 002, …";
    StateDraft => "估价单", "Estimate";
    StateOpen => "待派工", "Open";
    StateInProgress => "维修中", "In progress";
    StateWaitingParts => "待料", "Waiting for parts";
    StateQualityCheck => "质检", "Quality check";
    StateCompleted => "完工待结算", "Completed";
    StateSettled => "已结算", "Settled";
    StateDelivered => "已交车", "Delivered";
    StateCancelled => "已取消", "Cancelled";
    ToOpen => "转为正式工单", "Turn into a work order";
    ToInProgress => "开始维修", "Start work";
    ToWaitingParts => "待料", "Waiting for parts";
    ToResume => "继续维修", "Resume work";
    ToQualityCheck => "送质检", "Send to quality check";
    ToCompleted => "质检通过", "Pass quality check";
    ToBackToWork => "退回返工", "Send back to work";
    ToReopen => "重新打开", "Reopen";
    ToSettled => "标记已结算", "Mark as settled";
    ToDelivered => "交车", "Hand over the car";
    ToCancelled => "取消工单", "Cancel order";
    Reason => "原因", "Reason";
    ReasonHelp => "取消、退回返工和重新打开需要填写原因。", "Cancelling, sending back and reopening need a reason.";
    TransitionIllegal => "工单当前的状态不能改为这个状态。", "The order cannot go to that state from where it is now.";
    TransitionRole => "您的角色不能做这个状态变更。", "Your role cannot make this change.";
    ReasonRequired => "请填写原因。", "Please give a reason.";
    DispatchFirst => "请先给至少一个工时项目派技师。", "Assign a technician to at least one labour line first.";
    OrderLocked => "工单已结算或已关闭，不能再修改。", "This order is settled or closed and cannot be changed.";
    StatusChanged => "状态已更新。", "Status updated.";
    OrderOpened => "工单已开出。", "Work order opened.";
    OrderTitle => "工单 {}", "Work order {}";
    NewOrderTitle => "开工单", "Open a work order";
    OpenOrder => "开工单", "Open work order";
    OpenOrderFor => "为 {} 开工单", "Open a work order for {}";
    Fuel => "油量", "Fuel";
    FuelEmpty => "空", "Empty";
    FuelQuarter => "四分之一", "1/4";
    FuelHalf => "半箱", "1/2";
    FuelThreeQuarters => "四分之三", "3/4";
    FuelFull => "满箱", "Full";
    Complaint => "故障描述（客户原话）", "Complaint (customer's words)";
    ItemsLeft => "车内物品", "Items left in the car";
    PromisedAt => "交车时间", "Promised time";
    PromisedToday => "今天 17:00", "Today 17:00";
    PromisedTomorrow => "明天 17:00", "Tomorrow 17:00";
    PromisedPick => "选择时间", "Pick a time";
    Advisor => "接待员", "Service advisor";
    EstimateOnly => "仅估价（草稿，不派工）", "Estimate only (draft, not yet a job)";
    ConfirmSecondOrder => "仍然为这辆车再开一张工单", "Open another order for this car anyway";
    VehicleHasOpenOrder => "这辆车已有未完成的工单 {}。", "This car already has an unfinished order {}.";
    VehicleUnknown => "车辆不存在。", "This vehicle does not exist.";
    LastMileage => "上次里程 {} 公里", "Last recorded {} km";
    PromisedInPast => "交车时间不能早于现在。", "The promised time cannot be in the past.";
    DateTimeInvalid => "请输入日期和时间，例如 2026-11-28 17:00。", "Enter a date and time, e.g. 2026-11-28 17:00.";
    Lines => "维修项目与配件", "Lines";
    LineKindLabel => "类型", "Kind";
    LineLabor => "工时", "Labour";
    LinePart => "配件", "Part";
    LineFee => "其他费用", "Fee";
    Description => "项目 / 名称", "Description";
    Qty => "数量", "Qty";
    Hours => "工时（小时）", "Hours";
    UnitPrice => "单价", "Unit price";
    UnitPriceHelp => "工时不填单价，按工时单价 {} 计。", "Leave empty on labour to use the labour rate {}.";
    Technician => "技师", "Technician";
    Unassigned => "未派工", "Unassigned";
    Amount => "金额", "Amount";
    AddLine => "添加项目", "Add line";
    RemoveLine => "删除", "Remove";
    EditLine => "修改", "Edit";
    SaveLine => "保存项目", "Save line";
    NoLines => "还没有项目。", "No lines yet.";
    LinesAdded => "项目已添加。", "Lines added.";
    LineSaved => "项目已保存。", "Line saved.";
    LineRemoved => "项目已删除。", "Line removed.";
    Estimate => "预估费用", "Estimate";
    LabourTotal => "工时费", "Labour";
    PartsTotal => "配件费", "Parts";
    FeesTotal => "其他费用", "Other fees";
    ApprovedTotal => "客户已同意", "Approved";
    PendingTotal => "待客户确认", "Awaiting approval";
    DeclinedTotal => "客户已拒绝", "Declined";
    PartUnknown => "配件目录中没有这个配件。", "There is no such part in the catalog.";
    TechnicianUnknown => "请选择一位在职技师。", "Choose an active technician.";
    DecimalInvalid => "请输入数字，例如 12.5。", "Enter a number, e.g. 12.5.";
    DecimalPlaces => "最多 {} 位小数。", "At most {} decimal places.";
    AddTemplate => "一键加入保养套餐", "Add a service template";
    DecisionPending => "待确认", "Awaiting answer";
    DecisionApproved => "已同意", "Approved";
    DecisionDeclined => "已拒绝", "Declined";
    ApprovalTitle => "客户确认", "Customer approval";
    ApprovalLead => "请客户逐项选择同意或拒绝，然后签名或记录电话确认。", "Let the customer approve or decline each line, then sign, or record the phone call.";
    Approver => "确认人", "Approved by";
    ApprovalMethodLabel => "确认方式", "How";
    ApprovalInPerson => "到店签字", "In person, signed";
    ApprovalPhone => "电话确认", "By phone";
    Approve => "同意", "Approve";
    Decline => "拒绝", "Decline";
    SignHere => "请在框内签名", "Sign in the box";
    ClearSignature => "重签", "Clear";
    RecordApproval => "保存客户确认", "Record the answer";
    ApprovalRecorded => "客户确认已保存。", "The customer's answer is recorded.";
    ApprovalHistory => "确认记录", "Approvals";
    ApprovalEntry => "第 {} 次确认", "Approval {}";
    ApprovalNote => "备注", "Note";
    SignatureInvalid => "签名数据无效，请重签。", "The signature could not be read. Please sign again.";
    SignatureMissing => "请客户在框内签名。", "Please have the customer sign in the box.";
    DecideEveryLine => "请对每个待确认项目选择同意或拒绝。", "Approve or decline every line awaiting an answer.";
    EstimateChanged => "估价在此期间被修改了，请重新核对后再确认。", "The estimate changed meanwhile. Review it again, then record the answer.";
    NothingToApprove => "没有待确认的项目。", "No lines are awaiting an answer.";
    Diagnosis => "诊断", "Diagnosis";
    AddDiagnosis => "添加诊断", "Add diagnosis";
    DiagnosisSaved => "诊断已保存。", "Diagnosis saved.";
    History => "工单记录", "History";
    Created => "开单", "Opened";
    Reception => "接车信息", "Check-in";
    EditReception => "修改接车信息", "Edit check-in";
    PrintA4 => "A4 打印", "Print A4";
    PrintReceipt => "80 毫米小票", "80 mm receipt";
    PrintPreview => "打印预览", "Print preview";
    Reprint => "重新打印（换新二维码）", "Reprint with a new QR";
    ReprintHelp => "旧单据上的二维码将失效。", "The QR on the old sheet stops working.";
    ScanToUpdate => "技师扫码更新维修进度", "Technicians: scan to update progress";
    CustomerSignature => "客户签字", "Customer signature";
    AdvisorSignature => "接待签字", "Advisor signature";
    LoopbackWarning => "二维码地址 {} 是本机地址，手机无法打开。请在系统参数中设置“二维码地址”。", "The QR address {} is this machine's own address; phones cannot reach it. Set the QR address in the settings.";
    ApprovalCustomerPhone => "顾客在手机上确认", "By the customer on their phone";
    PickLines => "请勾选要确认的项目。", "Tick the lines to answer.";

    // The customer's own phone page (/c/{token}) and its QR.
    CustomerStepReceived => "接车", "Received";
    CustomerStepRepair => "维修", "Repair";
    CustomerStepCheck => "质检", "Check";
    CustomerStepReady => "可取车", "Ready";
    CustomerStepCollected => "已取车", "Collected";
    CustomerStageEstimate => "正在估价", "Preparing your estimate";
    CustomerLeadEstimate => "我们正在检查车辆并准备报价。", "We are looking at your car and preparing the estimate.";
    CustomerStageReceived => "已接车", "Checked in";
    CustomerLeadReceived => "您的车已登记，技师很快开始维修。", "Your car is checked in; a technician will start soon.";
    CustomerStageRepair => "正在维修", "Being repaired";
    CustomerLeadRepair => "技师正在为您的车辆维修。", "A technician is working on your car.";
    CustomerStageParts => "等待配件", "Waiting for parts";
    CustomerLeadParts => "维修需要的配件正在路上，到货后继续。", "A part is on its way; the work goes on when it arrives.";
    CustomerStageCheck => "质量检验", "Final check";
    CustomerLeadCheck => "维修已完成，正在做最后检查。", "The work is done; we are making the final check.";
    CustomerStageReady => "可以取车", "Ready for pickup";
    CustomerLeadReady => "您的车已修好，可以到店结算取车。", "Your car is ready; you can pay and collect it at the desk.";
    CustomerStagePaid => "已结算，可取车", "Paid, ready";
    CustomerLeadPaid => "费用已结清，随时可以取车。", "Everything is paid; collect your car whenever you like.";
    CustomerStageCollected => "已取车", "Collected";
    CustomerLeadCollected => "感谢您的光临，祝您行车平安。", "Thank you for coming. Drive safely.";
    CustomerStageCancelled => "工单已取消", "Order cancelled";
    CustomerLeadCancelled => "这张工单已取消，如有疑问请联系我们。", "This order was cancelled. Please call us with any questions.";
    CustomerProgress => "维修进度", "Repair progress";
    CustomerYourRepair => "维修项目与费用", "Work and prices";
    CustomerWorkOngoing => "进行中", "Under way";
    CustomerWorkDone => "已完成", "Done";
    CustomerDecisionPending => "待您确认", "Waiting for you";
    CustomerPhotos => "技师拍的照片", "Photos from the workshop";
    CustomerYourAnswers => "您的确认记录", "Your answers";
    CustomerPendingLink => "有 {} 个项目等您确认", "{} lines wait for your answer";
    CustomerApproveTitle => "需要您确认", "Your approval is needed";
    CustomerApproveLead => "勾选项目并在下方签名，然后选择同意或不同意。", "Tick the lines, sign below, then approve or decline them.";
    CustomerEstimateChanged => "报价刚刚有变动，请查看最新项目后再确认。", "The estimate just changed. Please look at the lines as they are now and answer again.";
    CustomerSignHere => "请用手指在框内签名", "Sign with your finger in the box";
    CustomerApproveSelected => "同意所选项目", "Approve ticked lines";
    CustomerDeclineSelected => "不同意所选项目", "Decline ticked lines";
    CustomerAnswerApproved => "谢谢，您的同意已告知维修顾问。", "Thank you: your approval has reached the service desk.";
    CustomerAnswerDeclined => "已记录：您不同意这些项目，我们不会做这些工作。", "Noted: you declined those lines, and that work will not be done.";
    CustomerAnswerRefused => "没能保存您的确认", "Your answer was not saved";
    CustomerTooManyTries => "尝试次数过多，请在 {} 秒后再试。", "Too many tries. Please try again in {} seconds.";
    CustomerFormExpired => "页面已过期，请返回重新打开后再确认。", "This page is out of date. Go back, open it again and answer once more.";
    CustomerLinkUnknownTitle => "找不到这个页面", "Page not found";
    CustomerLinkUnknownLead => "这个二维码或链接无效，请向门店核对。", "This QR code or link does not work. Please check with the shop.";
    CustomerLinkGoneTitle => "这个链接已失效", "This link no longer works";
    CustomerLinkGoneLead => "请向门店索取新的二维码。", "Please ask the shop for a new QR code.";
    CallTheShop => "致电", "Call";
    CustomerLinkTitle => "顾客手机查看", "The customer's phone";
    CustomerLinkLead => "请顾客用手机相机扫描二维码：可随时查看进度、照片，并在手机上确认追加项目。", "Let the customer scan this with the phone camera: they follow the repair, see the photos and approve added work on their phone.";
    CustomerLinkNone => "这张工单还没有顾客链接。", "This order has no customer link yet.";
    NewCustomerLink => "生成新的顾客二维码", "New customer QR";
    NewCustomerLinkHelp => "旧的二维码和链接将失效", "The old QR and link stop working";
    CustomerLinkIssued => "已生成新的顾客二维码，旧的已失效。", "A new customer QR is ready; the old one no longer works.";
    CustomerLinkDays => "顾客链接有效天数（交车后）", "Customer link days (after delivery)";
    CustomerLinkDaysHelp => "交车后顾客手机页面还能打开的天数", "How long the customer's phone page keeps working after delivery";
    CustomerCopy => "顾客联", "Customer's copy";
    FloorCopy => "车间联", "Workshop copy";
    ScanToFollow => "扫码查看维修进度与确认项目", "Scan to follow your repair and approve work";
    ShareWithCustomer => "分享给顾客", "Share with customer";
    SharedWithCustomer => "已分享给顾客", "Shared with customer";
    StopSharing => "取消分享", "Stop sharing";
    WaitingBoardTitle => "车辆维修进度", "Your car's progress";
    WaitingBoardLead => "按车牌查看您的车辆", "Find your car by its plate";

    TokenUnknownTitle => "找不到这张工单", "Order not found";
    TokenUnknownLead => "这个二维码不属于任何工单，请向业务接待核对。", "This QR code does not belong to any order. Please check with the service desk.";
    TokenRetiredTitle => "这张单据已重新打印", "This sheet was reprinted";
    TokenRetiredLead => "工单 {} 已打印了新单据，旧二维码已失效。请扫描新单据上的二维码。", "Order {} was printed again with a new QR; this one no longer works. Scan the QR on the new sheet.";
    TokenClosedLead => "这张工单已结束，只能查看。", "This order is closed; it can only be viewed.";
    BoardEmpty => "车间里现在没有车。", "No cars in the shop right now.";
    Late => "超时", "Late";
    BoardCards => "看板", "Board";
    BoardList => "列表", "List";
    LinesDone => "{} 项工时，{} 位技师", "{} labour lines, {} technicians";
    OrdersFound => "共 {} 张", "{} orders";
    NoOrdersFound => "没有符合条件的工单。", "No orders match.";
    OrderSearchHint => "单号、车牌、客户姓名或电话", "Number, plate, customer name or phone";
    AllStates => "全部状态", "All states";
    OnlyLate => "只看超时", "Late only";
    AnyAdvisor => "全部接待员", "Any advisor";
    AnyTechnician => "全部技师", "Any technician";
    OpenedFrom => "开单日期从", "Opened from";
    OpenedTo => "到", "to";
    Filter => "筛选", "Filter";
    ListTruncated => "只查了最近的 {} 张工单；请用日期或状态缩小范围。", "Only the latest {} orders were searched; narrow down by date or state.";
    Number => "单号", "Number";
    TemplatesTitle => "保养套餐", "Service templates";
    NewTemplate => "新建套餐", "New template";
    EditTemplate => "修改套餐", "Edit template";
    TemplateName => "套餐名称", "Template name";
    TemplateLines => "套餐项目", "Template lines";
    TemplateLinesHelp => "空行会被忽略。工时行不填单价时按开单时的工时单价计。", "Blank rows are skipped. A labour row without a price uses the labour rate at the time of use.";
    TemplateRowInvalid => "第 {} 行不完整或数字不对（配件和费用需要单价）。", "Row {} is incomplete or has a wrong number (parts and fees need a price).";
    TemplateNeedsLines => "至少填写一行。", "Fill in at least one row.";
    TemplateActive => "启用", "In use";
    NoTemplates => "还没有保养套餐。", "No service templates yet.";
    NumberFormatInvalid => "格式需包含 {date} 或 {yymmdd}，以及 {seq}；其余只能是字母、数字和 - _ / . #。", "The format needs {date} or {yymmdd}, and {seq}; anything else may only be letters, digits and - _ / . #.";
    ViewOrder => "查看工单", "View order";

    // The shop floor: time clock, notes and photos, parts requests.
    ProgressNotStarted => "未开始", "Not started";
    ProgressRunning => "进行中", "Running";
    ProgressPaused => "已暂停", "Paused";
    ProgressFinished => "已完成", "Finished";
    PauseWaitingParts => "等配件", "Waiting for parts";
    PauseWaitingApproval => "等客户确认", "Waiting for approval";
    PauseBreak => "休息", "Break";
    PauseOther => "其他", "Other";
    PauseSwitched => "转做其他项目", "Switched to another job";
    PauseReasonRequired => "请选择暂停原因。", "Choose why you pause.";
    OrderNotInWork => "这张工单现在不在维修中，不能计时。", "This order is not being worked on; the clock cannot run.";
    LineUnknown => "没有这个工时项目。", "There is no such labour line.";
    NotYourLine => "这个项目没有派给您。", "This line is not assigned to you.";
    LineAlreadyFinished => "这个项目已经完成。", "This line is already finished.";
    LineNotRunning => "这个项目没有在计时。", "This line's clock is not running.";
    FinishLinesFirst => "请先完成所有工时项目。", "Finish every labour line first.";
    RequestOpen => "待处理", "Open";
    RequestAdded => "已加入工单", "Added to the order";
    RequestDismissed => "不需要", "Not needed";
    Start => "开始", "Start";
    Pause => "暂停", "Pause";
    Finish => "完成", "Finish";
    PauseWhy => "暂停原因", "Why pause?";
    WorkedOfEstimate => "实际 {} 小时 · 预计 {} 小时", "{} h worked of {} h estimated";
    SwitchedNotice => "已暂停工单 {} 上的工作，开始这个项目。", "Your work on order {} was paused to start this one.";
    ClockSaved => "已记录。", "Recorded.";
    MyLines => "我的项目", "My lines";
    OthersLines => "其他项目", "Other lines";
    NoJobs => "现在没有派给您的工作。", "Nothing is assigned to you right now.";
    NotesAndPhotos => "备注与照片", "Notes and photos";
    AddNote => "添加备注", "Add note";
    NoteText => "备注", "Note";
    Photo => "照片", "Photo";
    NoteSaved => "备注已保存。", "Note saved.";
    NoteEmpty => "请写点什么或附一张照片。", "Write something or add a photo.";
    PhotoNotImage => "这不是 JPEG、PNG 或 WebP 图片。", "This is not a JPEG, PNG or WebP picture.";
    PhotoTooLarge => "照片太大（最大 15 MB）。", "The photo is too large (15 MB at most).";
    PhotoUnreadable => "无法读取这张图片。", "This picture cannot be read.";
    PartsRequestTitle => "申请配件", "Ask for parts";
    PartText => "配件名称或描述", "Part name or description";
    PartQty => "数量", "Quantity";
    RequestPart => "提交申请", "Send request";
    RequestSent => "配件申请已提交。", "Parts request sent.";
    OpenRequests => "待处理的配件申请", "Open parts requests";
    AddAsLine => "加入工单", "Add to the order";
    Dismiss => "不需要", "Not needed";
    RequestDone => "配件申请已处理。", "Parts request handled.";
    ActualHours => "实际工时", "Hours worked";
    BackToJobs => "返回我的工作", "Back to my jobs";

    // Backups.
    BackupsSection => "备份", "Backups";
    BackupTime => "每日自动备份时间", "Daily backup time";
    BackupKeep => "保留自动备份份数", "Daily backups kept";
    TimeOfDayInvalid => "请输入时间，例如 02:00。", "Enter a time of day, e.g. 02:00.";
    NavBackups => "备份", "Backups";
    CardBackups => "自动与手动备份，下载备份文件。", "Scheduled and manual backups, download a backup.";
    BackupsLead => "每天 {} 自动备份，保留最近 {} 份；手动备份一直保留。", "A backup is made every day at {} and the newest {} are kept; manual backups stay.";
    BackupNow => "立即备份", "Back up now";
    BackupDone => "备份已完成并校验：{}", "Backup made and verified: {}";
    NoBackups => "还没有备份。", "No backups yet.";
    FileName => "文件", "File";
    Size => "大小", "Size";
    MadeAt => "时间", "Made at";
    Download => "下载", "Download";
    Restore => "恢复…", "Restore…";
    RestoreTitle => "从备份恢复", "Restore from a backup";
    RestoreLead => "恢复会用这份备份替换现在的全部数据。恢复前会先自动备份当前数据；恢复期间系统暂停约一分钟，恢复后所有人需要重新登录。", "Restoring replaces all current data with this backup. The current data is backed up first; the system pauses while it works (about a minute for a large shop), and afterwards everyone signs in again.";
    RestoreChecked => "备份已校验：{} 条记录，数据版本 {}，{} MB。", "The backup checks out: {} records, schema version {}, {} MB.";
    RestoreConfirm => "我明白：这份备份之后录入的内容都将被替换", "I understand: everything entered after this backup will be replaced";
    RestoreConfirmRequired => "请先勾选确认。", "Tick the box to confirm.";
    RestoreRefused => "这个文件不能恢复：它已损坏，或不是 wrenchdesk 的备份。数据没有改变。", "This file cannot be restored: it is damaged or not a wrenchdesk backup. Nothing was changed.";
    RestoreFailed => "恢复没有完成，数据没有改变。", "The restore did not complete; nothing was changed.";
    RestoreNow => "恢复这份备份", "Restore this backup";
    RestoredNotice => "数据已从备份恢复，请重新登录。", "The data was restored from a backup. Please sign in again.";
    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundLead => "您要找的页面不存在或已被移除。", "The page you asked for does not exist or was removed.";
    ForbiddenTitle => "没有权限", "Not allowed";
    ForbiddenLead => "您的角色不能使用此页面。如需使用，请联系管理员。", "Your role cannot use this page. Ask your administrator if you need it.";
    CsrfFailed => "页面已过期，请刷新后重试。", "This page has expired. Reload it and try again.";
    BadRequestTitle => "请求无法处理", "Request not understood";
    BadRequestLead => "提交的内容不完整或格式不对。", "What was sent was incomplete or malformed.";
    TooLargeLead => "提交的内容太大。", "What was sent is too large.";
    ServerErrorTitle => "出错了", "Something went wrong";
    ServerErrorLead => "操作没有完成，数据没有改变。请稍后再试；如果一直出现，请联系管理员。", "The action did not complete and nothing was changed. Try again; if it keeps happening, tell your administrator.";
    UnavailableLead => "无法保存，数据没有改变。请稍后再试。", "Could not be saved; nothing was changed. Please try again.";
    UnconfirmedLead => "保存时磁盘报错，这次修改可能没有保存下来。请先刷新看看是否已保存，再决定是否重新录入。", "The disk reported an error while saving, so this change may not have been kept. Reload and check before entering it again.";
    ConflictTitle => "记录冲突", "Conflict";
    GoHome => "回到首页", "Go to the home page";
    ErrorToast => "操作失败：{}", "That did not work: {}";
    NetworkError => "无法连接到服务器，请检查网络。", "Cannot reach the server. Check the network.";

    // Parts inventory (配件管理).
    UnitPiece => "个", "piece";
    UnitSet => "套", "set";
    UnitLitre => "升", "litre";
    UnitBottle => "瓶", "bottle";
    UnitBox => "盒", "box";
    UnitMetre => "米", "metre";
    UnitKg => "千克", "kg";
    UnitPair => "对", "pair";
    PartNumberInvalid => "配件编号最多 40 个字符。", "A part number has at most 40 characters.";
    PartNumberTaken => "编号 {} 已被另一个配件使用。", "Part number {} belongs to another part.";
    SupplierUnknown => "没有这个供应商。", "There is no such supplier.";
    StockShort => "库存不足：现有 {}。", "Not enough in stock: {} on hand.";
    MoveReceipt => "入库", "Stock in";
    MoveIssue => "领料出库", "Issued to order";
    MoveUnissue => "退料入库", "Returned from order";
    MoveSupplierReturn => "退货给供应商", "Returned to supplier";
    MoveCustomerReturn => "客户退回", "Returned by customer";
    MoveShopUse => "内部领用", "Shop use";
    MoveScrap => "报废", "Scrapped";
    MoveStocktake => "盘点调整", "Stocktake adjustment";
    ReceiptEmpty => "入库单至少要有一行。", "A receipt needs at least one line.";
    StocktakeOpen => "盘点中", "Counting";
    StocktakePosted => "已过账", "Posted";
    StocktakeCancelled => "已取消", "Cancelled";
    StocktakeNothing => "这个范围内没有在用的配件。", "No active parts in that range.";
    StocktakeClosed => "这次盘点已经结束。", "This stocktake is closed.";
    StocktakeNothingCounted => "还没有录入任何盘点数量。", "No part has been counted yet.";
    PartsTitle => "配件", "Parts";
    Parts => "配件数", "Parts";
    NewPart => "新建配件", "New part";
    EditPart => "编辑配件", "Edit part";
    PartCreated => "配件已建档。", "Part added to the catalog.";
    PartDetails => "配件资料", "Part details";
    PartNumber => "配件编号", "Part number";
    PartName => "名称", "Name";
    PartSpec => "规格", "Specification";
    PartBrand => "品牌", "Brand";
    PartUnit => "单位", "Unit";
    PartCategory => "类别", "Category";
    PartLocation => "库位", "Location";
    PartCost => "进价", "Cost";
    PartCostHelp => "新配件的初始单位成本；以后由入库按移动加权平均计算。", "Starting cost per unit; after that, receipts set the moving average.";
    PartPrice => "售价", "Sale price";
    PartFits => "适用车型", "Fits vehicles";
    PartActive => "在用", "In use";
    PartUnits => "配件单位", "Part units";
    PartsSection => "配件库存", "Parts inventory";
    AllowNegativeStock => "允许领料后库存为负（入库单晚到时）", "Allow issuing below zero stock (receipts booked late)";
    PartSearchHint => "编号、名称、品牌或车型", "Number, name, brand or vehicle";
    PartsFound => "共 {} 个配件", "{} parts";
    NoPartsFound => "没有找到配件。", "No parts found.";
    AllCategories => "全部类别", "All categories";
    AllLocations => "全部库位", "All locations";
    AllParts => "全部配件", "All parts";
    LowStockOnly => "只看低库存", "Low stock only";
    WithInactive => "含停用", "Include inactive";
    Low => "低库存", "Low";
    LowStock => "低库存预警", "Low stock";
    LowStockLead => "库存不高于最低库存的配件，建议采购量补足到最低库存的两倍。", "Parts at or under their minimum; the suggested order brings them to twice the minimum.";
    NoLowStock => "没有低库存的配件。", "No part is low on stock.";
    PurchaseListCsv => "导出采购清单 (CSV)", "Purchase list (CSV)";
    ToOrder => "建议采购", "To order";
    MinStock => "最低库存", "Minimum stock";
    MinStockHelp => "库存降到这个数量时预警；0 表示不预警。", "Warn at or under this quantity; 0 never warns.";
    UsualSupplier => "常用供应商", "Usual supplier";
    OnHand => "库存", "On hand";
    Stock => "库存", "Stock";
    AvgCost => "平均成本", "Average cost";
    StockValue => "库存金额", "Stock value";
    LastMoved => "最近变动", "Last movement";
    PrintLabel => "打印标签", "Print label";
    StockLedger => "库存台账", "Stock ledger";
    NoMovements => "还没有库存变动。", "No stock movements yet.";
    When => "时间", "When";
    MovementKind => "类型", "Kind";
    UnitCost => "单位成本", "Unit cost";
    StockAfter => "结存", "Stock after";
    Reference => "单据", "Reference";
    By => "经办人", "By";
    StockReceived => "已入库。", "Stock received.";
    StockOutBooked => "出库已登记。", "Stock-out booked.";
    StockReturnBooked => "退回已入库。", "Return booked into stock.";
    OtherStockOut => "其他出库", "Other stock-out";
    BookStockOut => "登记出库", "Book stock-out";
    BookReturn => "登记退回", "Book return";
    Supplier => "供应商", "Supplier";
    SupplierHint => "选择已有供应商或输入新名称（自动新建）。", "Pick a supplier or type a new name (it is added).";
    Suppliers => "供应商", "Suppliers";
    NewSupplier => "新建供应商", "New supplier";
    SupplierName => "供应商名称", "Supplier name";
    NoSuppliers => "还没有供应商。", "No suppliers yet.";
    BoughtFromSupplier => "采购记录", "Bought from this supplier";
    Receipt => "入库单", "Receipt";
    Receipts => "入库单", "Stock receipts";
    NewReceipt => "新建入库单", "New receipt";
    NoReceipts => "还没有入库单。", "No receipts yet.";
    InvoiceNo => "发票/送货单号", "Invoice or delivery note";
    ReceiptDate => "入库日期", "Date";
    PostReceipt => "确认入库", "Post receipt";
    Total => "合计", "Total";
    Valuation => "库存估值", "Valuation";
    StockValueByCategory => "按类别的库存金额（成本价）", "Stock value at cost by category";
    MovementsInRange => "期间库存变动", "Movements in a period";
    Movements => "笔数", "Movements";
    MovementsTruncated => "只统计了前 {} 笔变动，请缩小日期范围。", "Only the first {} movements are counted; choose a shorter period.";
    ValueAtCost => "成本金额", "Value at cost";
    From => "从", "From";
    To => "到", "To";
    Show => "显示", "Show";
    Stocktake => "盘点", "Stocktake";
    Stocktakes => "库存盘点", "Stocktakes";
    StartStocktake => "开始盘点", "Start a stocktake";
    Scope => "范围", "Scope";
    Started => "开始", "Started";
    BookStock => "账面", "Book";
    Counted => "实盘数量", "Counted";
    CountedOf => "已盘 {} / {}", "{} of {} counted";
    Variance => "差异", "Variance";
    VarianceValue => "差异金额", "Variance value";
    PostStocktake => "过账盘点差异", "Post the variances";
    CancelStocktake => "取消盘点", "Cancel the stocktake";
    PartsNotIssued => "第 {} 行的配件还没有出库：请先领料，或标记为不用出库。", "The part on line {} has not been issued: issue it from stock or mark it as not needed first.";
    OneOff => "临时", "one-off";
    IssuedOf => "已出库 {} / {}", "issued {} of {}";
    IssuePart => "领料出库", "Issue";
    ReturnPart => "退回库存", "Return to stock";
    MarkUnused => "不用出库", "Not needed from stock";
    MarkNeeded => "需要出库", "Needed from stock";
    ToPick => "待领料", "To pick";
    NothingToPick => "没有待领料的配件。", "Nothing to pick.";
    PartIssued => "已出库。", "Issued from stock.";
    PartReturned => "已退回库存。", "Returned to stock.";
    PickPart => "从配件目录选择", "Pick from the catalog";
    PartPriceLocked => "目录配件的售价只有店长可以修改。", "Only a manager may change a catalog part's price.";
    NotIssuable => "这一行现在不能出库（未批准、已不需要或已全部出库）。", "This line cannot be issued now (not approved, not needed, or all issued).";
    ReturnTooMuch => "最多可退回 {}。", "At most {} can be returned.";

    // Checkout (结算收银).
    PayCash => "现金", "Cash";
    PayWechat => "微信", "WeChat";
    PayAlipay => "支付宝", "Alipay";
    PayCard => "银行卡", "Card";
    PayTransfer => "转账", "Bank transfer";
    PayOnAccount => "挂账", "On account";
    PaymentForOrder => "工单付款", "Order payment";
    PaymentForReceivable => "挂账还款", "Receivable payment";
    DiscountPercent => "按比例（%）", "Percentage (%)";
    DiscountAmount => "按金额（元）", "Amount (¥)";
    DiscountOverBase => "折扣不能超过 {}。", "The discount cannot be more than {}.";
    DiscountNeedsManager => "超过 {}% 的折扣只能由经理或管理员给出。", "A discount above {}% must be given by a manager or an administrator.";
    NothingDue => "没有待付金额。", "Nothing is due.";
    PaymentOverBalance => "超过待付金额 {}；只有现金可以多付并找零。", "More than the {} due; only cash may be more (the rest is given as change).";
    SettleAtCheckout => "工单在收款付清后才结算，请在结算单上收款。", "An order is settled by taking its payment on the settlement page.";
    OrderHasPayments => "工单已有付款，不能再修改项目；请先作废付款。", "This order has payments and its lines cannot change; void the payments first.";
    CheckoutTitle => "结算单 {}", "Settlement {}";
    OpenCheckout => "结算收款", "Checkout";
    Subtotal => "项目合计", "Lines total";
    LineDiscounts => "单项折扣", "Line discounts";
    OrderDiscount => "整单折扣", "Order discount";
    TaxIncluded => "其中税额（{}%）", "Tax included ({}%)";
    TaxAdded => "税额（{}%）", "Tax ({}%)";
    CashRounding => "抹零", "Rounding";
    AmountDue => "应收合计", "Total due";
    PaidSoFar => "已付", "Paid";
    BalanceDue => "待付", "Balance due";
    ChangeGiven => "找零", "Change";
    Payments => "付款记录", "Payments";
    NoPayments => "还没有付款。", "No payments yet.";
    TakePayment => "收款", "Take payment";
    PayMethodLabel => "付款方式", "Method";
    PaymentReference => "流水号 / 凭证号", "Reference";
    Discounts => "折扣", "Discounts";
    AddDiscount => "添加折扣", "Add discount";
    DiscountOn => "折扣对象", "Applies to";
    WholeOrder => "整单", "Whole order";
    DiscountKindLabel => "折扣方式", "Kind";
    DiscountValue => "折扣值", "Value";
    DiscountHelp => "超过参数设置的比例需经理填写原因。", "Above the shop's limit a manager gives it, with a reason.";
    VoidPayment => "作废", "Void";
    Voided => "已作废", "Voided";
    VoidOf => "作废 #{}", "Void of #{}";
    AlreadyVoided => "这笔付款已作废。", "This payment is already voided.";
    VoidTooLate => "已交车的工单不能再作废付款。", "Payments of a delivered order cannot be voided.";
    PaymentRecorded => "已收款。", "Payment recorded.";
    OrderSettledNotice => "已付清，工单已结算。", "Paid in full: the order is settled.";
    DiscountAdded => "已添加折扣。", "Discount added.";
    PaymentVoided => "付款已作废。", "Payment voided.";
    SettleNothingDue => "结算（无需付款）", "Settle (nothing to pay)";
    SettleOnlyWhenPaid => "还有待付金额，付清后才能结算。", "There is still a balance due; the order is settled once it is paid.";
    CheckoutOnlyCompleted => "只有已完工的工单可以收款。", "Only a completed order takes payments.";
    PrintSalesReceipt => "打印收据", "Print receipt";
    PrintReceipt80 => "小票（80 mm）", "Till slip (80 mm)";
    SalesReceipt => "收款收据", "Receipt";
    ReprintMark => "补打（第 {} 次打印）", "REPRINT (print no. {})";
    CashierHome => "收银台", "Checkout";
    WaitingPayment => "待收款工单", "Orders waiting for payment";
    NoneWaiting => "没有待收款的工单。", "No order is waiting for payment.";
    TodayTakings => "今日收款", "Today's takings";
    DayEnd => "日结", "Day-end";
    DayEndTitle => "日结 {}", "Day-end {}";
    Receivables => "挂账（应收账款）", "Receivables";
    NoReceivables => "没有挂账。", "Nothing is owed on account.";
    Balance => "余额", "Balance";
    Age0to30 => "0–30 天", "0–30 days";
    Age31to60 => "31–60 天", "31–60 days";
    Age61to90 => "61–90 天", "61–90 days";
    AgeOver90 => "90 天以上", "Over 90 days";
    PayReceivable => "收回挂账", "Take a payment";
    ReceivablePaid => "已收回挂账。", "Receivable payment recorded.";
    OwesOnAccount => "挂账余额", "Owes on account";
    ExpectedCash => "应有现金", "Expected cash";
    CountedCash => "实点现金", "Counted cash";
    CashDifference => "差额", "Difference";
    CloseDay => "日结封账", "Close the day";
    DayClosedNotice => "已日结。", "The day is closed.";
    DayAlreadyClosed => "这一天已经日结。", "This day is already closed.";
    TotalsByMethod => "按付款方式汇总", "Totals by method";
    Takings => "收款合计", "Takings";
    Customer => "客户", "Customer";
    Day => "日期", "Day";
    Note => "备注", "Note";
    ShopTaxNote => "价格含税", "Prices include tax";
    TaxMode => "税额计算", "Tax";
    TaxModeIncluded => "价格含税", "Prices include tax";
    TaxModeAdded => "价格另加税", "Tax added to prices";
    TaxRate => "税率（%）", "Tax rate (%)";
    CashRoundingStep => "收款取整", "Round totals to";
    DiscountLimitPercent => "折扣上限（%），超过需经理", "Discount limit (%) above which a manager decides";
    CheckoutSection => "结算收银", "Checkout";
    Charged => "计费项目", "Charged lines";
    NotRefundable => "只有已批准的配件项目可以退货。", "Only an approved part line can be refunded.";
    RefundOnlyReopened => "退货只在结算被作废重开的工单上进行：请先作废付款。", "A refund is made on an order a void reopened: void its payments first.";
    RefundLines => "配件退货", "Refund part lines";
    RefundLead => "客户退回配件：项目减少相应数量，已出库的配件退回库存，然后按新金额重新收款。", "The customer hands parts back: the line charges that much less, issued parts go back to stock, then the new total is paid.";
    RefundQty => "退货数量", "Quantity back";
    RefundLine => "退货", "Refund";
    LineRefunded => "已退货，配件已退回库存。", "Refunded: the parts are back in stock.";
    RefundedMark => "退货 {} × {}", "Refunded {} × {}";
    PeriodEndsBeforeStart => "结束日期不能早于开始日期。", "The end date cannot be before the start date.";
    PeriodTooLong => "期间最长 {} 年。", "A period can be at most {} years.";
    StatementTitle => "对账单", "Statement";
    StatementFor => "{} 对账单", "Statement: {}";
    OpenStatement => "对账单", "Statement";
    PeriodFrom => "开始日期", "From";
    PeriodTo => "结束日期", "To";
    OpeningBalance => "期初欠款", "Opening balance owed";
    ClosingBalance => "期末欠款", "Closing balance owed";
    ChargedOnAccount => "本期挂账", "Put on account";
    RepaidOnAccount => "本期还款", "Paid against the account";
    VoidsInPeriod => "本期作废 {} 笔", "Voids in the period: {}";
    SettledInPeriod => "本期结算工单", "Orders settled in the period";
    NoSettledInPeriod => "本期没有结算的工单。", "No order was settled in the period.";
    PaymentsInPeriod => "本期付款、挂账与还款", "Payments, charges on account and repayments";
    NoPaymentsInPeriod => "本期没有付款。", "No payments in the period.";
    PaidAtTill => "当场付款", "Paid at the till";
    OnAccountCol => "挂账", "On account";
    Reopened => "已作废重开", "Reopened by a void";
    OrderNumberCol => "工单号", "Order";
    BillTotal => "结算金额", "Bill";
    AccountChange => "欠款变动", "Owed +/−";
    BalanceAfter => "欠款余额", "Balance owed";
    StatementPrinted => "打印时间 {}", "Printed {}";
    VoidReasonHint => "作废需填写原因，作为新记录保存。", "A void needs a reason; it is saved as a new record.";

    // Reports (统计报表).
    PeriodDay => "日", "Day";
    PeriodWeek => "周", "Week";
    PeriodMonth => "月", "Month";
    PeriodYear => "年", "Year";
    PeriodAll => "全部", "All time";
    ReportsTitle => "统计报表", "Reports";
    ReportsLead => "全部按本店时区统计；营收在结算时计入，作废在作废当天冲减。", "Everything in the shop's time zone; revenue counts when an order is settled, a void takes it off on the day of the void.";
    ReportRevenue => "营收报表", "Revenue";
    ReportRevenueLead => "工时、配件、其他费用、折扣、税额与收款方式。", "Labour, parts, fees, discounts, tax and payment methods.";
    ReportVolume => "业务量统计", "Business volume";
    ReportVolumeLead => "接车、完工、交车、取消、客单价、在店时长、超时与返修。", "Cars in, completed, delivered, cancelled, average ticket, time in the shop, late and repeat visits.";
    ReportCustomers => "客户消费分析", "Customer spending";
    ReportCustomersLead => "消费排名、来源与等级、休眠客户回访名单。", "Ranking by spend, by source and level, dormant customers to call.";
    ReportTechnicians => "技师产值", "Technician productivity";
    ReportTechniciansLead => "计费工时与打卡工时、工单数、返修。", "Billed against clocked hours, orders, comebacks.";
    ReportParts => "配件消耗与毛利", "Parts usage and margin";
    ReportPartsLead => "按配件和分类的消耗、毛利、滞销与库存金额。", "Usage and margin by part and category, slow movers, stock value.";
    ReportReceivables => "应收账款", "Receivables";
    ReportReceivablesLead => "按客户的挂账与账龄。", "What each customer owes on account, by age.";
    PreviousPeriod => "上一期", "Previous";
    NextPeriod => "下一期", "Next";
    ThisPeriod => "本期", "This period";
    VsPrevious => "环比", "vs previous";
    VsLastYear => "同比", "vs last year";
    LastYear => "去年同期", "Same period last year";
    Revenue => "营收", "Revenue";
    RevenueTotal => "营收合计", "Revenue total";
    Labour => "工时费", "Labour";
    PartsRevenue => "配件", "Parts";
    Fees => "其他费用", "Fees";
    Tax => "税额", "Tax";
    Rounding => "抹零", "Rounding";
    SettledOrders => "结算单数", "Settled orders";
    Reversals => "作废冲减", "Reversals";
    Refunds => "作废/退款", "Voids and refunds";
    ByMethod => "按收款方式", "By payment method";
    TakingsTotal => "收款合计", "Takings";
    Repaid => "挂账还款", "Receivables paid";
    PeriodCol => "期间", "Period";
    CarsIn => "接车", "Cars in";
    Completed => "完工", "Completed";
    Delivered => "交车", "Delivered";
    Cancelled => "取消", "Cancelled";
    AverageTicket => "客单价", "Average ticket";
    AverageShopHours => "平均在店（小时）", "Average hours in the shop";
    LateDeliveries => "超时交车", "Late deliveries";
    RepeatVisits => "{} 天内返修", "Back within {} days";
    Rank => "排名", "Rank";
    CustomerCol => "客户", "Customer";
    Spend => "消费金额", "Spend";
    BySource => "按来源", "By source";
    ByLevel => "按等级", "By level";
    Customers => "客户数", "Customers";
    DormantList => "休眠客户（{} 个月未到店）", "Dormant customers (no visit for {} months)";
    DormantLead => "按历史消费排序，点击进入客户页登记回访。", "Biggest spenders first; open a customer to log the call.";
    DormantMonths => "未到店月数", "Months without a visit";
    BilledHours => "计费工时", "Billed hours";
    ClockedHours => "打卡工时", "Clocked hours";
    Efficiency => "效率", "Efficiency";
    LabourBilled => "工时产值", "Labour billed";
    Comebacks => "返修（{} 天）", "Comebacks ({} days)";
    OrdersCol => "工单", "Orders";
    PartCol => "配件", "Part";
    Category => "分类", "Category";
    QtyUsed => "消耗数量", "Used";
    Sales => "销售额", "Sales";
    Cost => "成本", "Cost";
    Margin => "毛利", "Margin";
    MarginPercent => "毛利率", "Margin %";
    SlowMovers => "滞销配件（{} 天无出入库）", "Slow movers (no movement for {} days)";
    Owed => "欠款", "Owed";
    Age0 => "0–30 天", "0–30 days";
    Age1 => "31–60 天", "31–60 days";
    Age2 => "61–90 天", "61–90 days";
    Age3 => "90 天以上", "Over 90 days";
    AtAGlance => "今日与本月", "Today and this month";
    TodayTakingsShort => "今日收款", "Taken today";
    MonthTakings => "本月收款", "Taken this month";
    MonthRevenue => "本月营收", "Revenue this month";
    CarsInToday => "今日接车", "Cars in today";
    CarsWaiting => "在店车辆", "Cars in the shop";
    LateOrders => "超时工单", "Late orders";
    LowStockCount => "低库存配件", "Parts low on stock";
    ReceivablesDue => "应收挂账", "Receivables";
    Last30Days => "近 30 天收款", "Takings, last 30 days";
    StockIn => "入库金额", "Stock in";
    IssuedCost => "领料成本", "Issued to orders";
    NoDataPeriod => "本期没有数据。", "Nothing in this period.";
    PrintReport => "打印报表", "Print";
    // Customer care (客户关怀): due lists, outcomes, message templates.
    CareTitle => "客户关怀", "Customer care";
    CareLead => "按到期日逐条跟进：致电或发消息，记录结果，条目会暂缓到下次跟进。", "Work through what falls due: call or message, tap the outcome, and the entry sleeps until it needs you again.";
    CareServiceDate => "保养到期（按日期）", "Service due (by date)";
    CareServiceKm => "保养到期（按里程）", "Service due (by km)";
    CareInsurance => "保险到期", "Insurance expiry";
    CareInspection => "年检到期", "Annual inspection";
    CareBirthday => "近期生日", "Birthdays";
    CareDormant => "休眠客户", "Dormant customers";
    CareDeferred => "延期维修项目", "Deferred work";
    CareDeferredFrom => "{}：{}（工单 {}，{}）", "{}: {} (order {}, {})";
    OutcomeCalled => "已致电", "Called";
    OutcomeMessaged => "已发消息", "Messaged";
    OutcomeBooked => "已预约", "Booked";
    OutcomeNotInterested => "不需要", "Not interested";
    OutcomeWrongNumber => "号码错误", "Wrong number";
    CareTplService => "{name}您好，{shop}提醒您：爱车{plate}的保养预计在{due}到期，欢迎来电预约：{shop_phone}。", "Hello {name}, this is {shop}: your car {plate} is due for its service around {due}. Call us to book: {shop_phone}.";
    CareTplInsurance => "{name}您好，{shop}提醒您：爱车{plate}的保险将于{due}到期，续保可来电咨询：{shop_phone}。", "Hello {name}, this is {shop}: the insurance of {plate} expires on {due}. Call us about renewing: {shop_phone}.";
    CareTplInspection => "{name}您好，{shop}提醒您：爱车{plate}的年检在{due}到期，可提前来店检测：{shop_phone}。", "Hello {name}, this is {shop}: the annual inspection of {plate} is due on {due}. Come in for a check first: {shop_phone}.";
    CareTplBirthday => "{name}您好，{shop}全体员工祝您{due}生日快乐！{shop_phone}", "Happy birthday for {due}, {name}! Best wishes from everyone at {shop}. {shop_phone}";
    CareTplDeferred => "{name}您好，{shop}提醒您：上次检查时发现爱车{plate}有建议维修的项目尚未处理，为了行车安全，建议在{due}前来店处理：{shop_phone}。", "Hello {name}, this is {shop}: at the last check we found work on {plate} that is still to be done. For your safety, please come in before {due}: {shop_phone}.";
    CareTplDormant => "{name}您好，好久不见！{shop}想念您和您的爱车{plate}，欢迎回来做个免费检查：{shop_phone}。", "Hello {name}, it has been a while! {shop} would be glad to see you and {plate} again for a free check: {shop_phone}.";
    CareDueCol => "到期", "Due";
    CareFrom => "从", "From";
    CareTo => "到", "To";
    CareMonths => "未到店月数", "Months away";
    CareDays => "天数", "Days";
    CareShowSnoozed => "含已暂缓", "Include snoozed";
    CareEmpty => "这段时间没有需要跟进的条目。", "Nothing to follow up in this period.";
    CareSnoozedUntil => "暂缓至 {}", "Snoozed until {}";
    CareMessage => "消息文本", "Message";
    CareCopy => "复制", "Copy";
    CareOutcomeSaved => "已记录，暂缓至 {}。", "Recorded; snoozed until {}.";
    CareCount => "共 {} 条", "{} in all";
    CareMore => "还有 {} 条未显示，请缩小日期范围或导出。", "{} more not shown: narrow the dates or export.";
    CareLastVisit => "上次到店", "Last visit";
    CareExpectedKm => "预计 {} 公里（日均 {} 公里）", "about {} km now ({} km a day)";
    CareTurns => "满 {} 岁", "turns {}";
    CareNever => "从未来店", "never came in";
    CareSummary => "提醒「{}」：{}（{}）", "{}: {} ({})";
    CareHome => "今日待跟进", "To follow up";
    CareHomeEmpty => "今天没有待跟进的提醒。", "Nothing to follow up today.";
    CareOverdue => "已过期 {} 天", "{} days overdue";
    CareInDays => "{} 天后", "in {} days";
    CareToday => "今天", "today";
    CareRangeInvalid => "结束日期不能早于开始日期，范围最长 366 天。", "The end must not be before the start, and the range is at most 366 days.";

    // Appointments (预约).
    ApptTitle => "预约", "Appointments";
    ApptCalendar => "预约日历", "Appointments";
    ApptNav => "预约", "Bookings";
    Appointment => "预约", "Appointment";
    ApptBooked => "已预约", "Booked";
    ApptArrived => "已到店", "Arrived";
    ApptNoShow => "爽约", "No-show";
    ApptCancelled => "已取消", "Cancelled";
    ApptConverted => "已开单", "Order opened";
    CalendarByBay => "按工位", "By bay";
    CalendarByTechnician => "按技师", "By technician";
    ApptMinutesStep => "请以 15 分钟为单位。", "Use steps of 15 minutes.";
    ApptOutsideHours => "不在营业时间内（{}），且须在同一天结束。", "Outside opening hours ({}); it must end the same day.";
    ApptHoursInvalid => "打烊时间须晚于开门时间。", "Closing must be after opening.";
    ApptClash => "与 {} 的预约（{}）冲突。", "Clashes with the booking of {} ({}).";
    ApptConfirmOverbook => "确认超额预约（同一时段重复安排）", "Confirm overbooking (two bookings at once)";
    ApptClosed => "该预约已结束，不能再修改。", "This appointment is closed and can no longer change.";
    ApptNoShowEarly => "预约时间未到，还不能记为爽约。", "Its time has not come yet: it cannot be a no-show.";
    ApptNew => "新建预约", "New booking";
    ApptPrevious => "上一段", "Previous";
    ApptNext => "下一段", "Next";
    ApptDay => "日", "Day";
    ApptWeek => "周", "Week";
    ApptGoTo => "日期", "Date";
    ApptGo => "前往", "Go";
    ApptNone => "暂无预约。", "No bookings.";
    ApptMinutesShort => "{} 分钟", "{} min";
    ApptOverbooked => "超额", "Overbooked";
    ApptMon => "周一", "Mon";
    ApptTue => "周二", "Tue";
    ApptWed => "周三", "Wed";
    ApptThu => "周四", "Thu";
    ApptFri => "周五", "Fri";
    ApptSat => "周六", "Sat";
    ApptSun => "周日", "Sun";
    ApptStart => "预约时间", "Time";
    ApptHoursHint => "营业时间 {}", "Opening hours {}";
    ApptMinutes => "预计时长（分钟）", "Duration (minutes)";
    ApptTemplate => "保养套餐", "Service template";
    ApptBay => "工位", "Bay";
    ApptWork => "预计项目", "Expected work";
    ApptWorkHint => "留空则用所选套餐的名称。", "Left empty: the template's name.";
    ApptFromCare => "来自提醒「{}」：预约后自动记录为“已预约”。", "From the list “{}”: booking records the outcome.";
    ApptNoCars => "该客户还没有车辆。", "This customer has no car yet.";
    ApptNewCaller => "新客户来电：填写姓名、电话和车牌，预约时一并建档。", "A new caller: name, phone and plate are saved with the booking.";
    ApptBooking => "预约信息", "Booking";
    ApptBook => "预约", "Book";
    ApptReason => "取消原因", "Reason";
    ApptOrder => "工单", "Work order";
    ApptToOrder => "到店开单", "Open the order";
    ApptMarkArrived => "已到店", "Arrived";
    ApptMarkNoShow => "记为爽约", "No-show";
    ApptEdit => "修改或改期", "Edit or move";
    ApptCancel => "取消预约", "Cancel the booking";
    ApptArrivals => "今日预约到店", "Today's arrivals";
    ApptNoArrivals => "今天没有预约。", "No appointments today.";
    ApptLate => "已过预约时间", "Late";
    ApptMore => "另有 {} 个", "{} more";
    ApptFromBooking => "来自预约", "From its booking";
    ApptInPast => "预约时间已过。", "This time has passed.";
    ApptSettingsSection => "预约", "Appointments";
    ApptCalendarBy => "预约日历按", "Calendar columns";
    ApptBays => "工位", "Bays";
    ApptOpening => "开门时间", "Opening";
    ApptClosing => "打烊时间", "Closing";

    // Inspections.
    NavInspections => "检测模板", "Inspection checklists";
    InspTitle => "车辆检测", "Inspection";
    InspTemplatesTitle => "检测模板", "Inspection checklists";
    InspTemplatesLead => "技师在手机上按清单逐项检查。修改清单不会改变已做过的检测。", "Technicians go through a checklist item by item on their phone. Changing a checklist never changes inspections already made.";
    InspNewTemplate => "新建检测模板", "New checklist";
    InspEditTemplate => "编辑检测模板", "Edit checklist";
    InspNoTemplates => "还没有检测模板。", "No checklists yet.";
    InspAreas => "部位", "Areas";
    InspItems => "检查项目", "Items";
    InspItemsHelp => "每行一个项目：部位（如 轮胎、制动）、项目、类型；测量项目要填单位（mm、%、V）。空行不保存。", "One item a row: its area (tyres, brakes …), the item, its kind; a measurement needs a unit (mm, %, V). Blank rows are skipped.";
    InspArea => "部位", "Area";
    InspItemLabel => "项目", "Item";
    InspKind => "类型", "Kind";
    InspUnit => "单位", "Unit";
    InspHint => "提示", "Hint";
    InspKindRating => "仅评级", "Rating only";
    InspKindMeasure => "测量值", "Measurement";
    InspKindYesNo => "是 / 否", "Yes / no";
    InspRowInvalid => "第 {} 行不完整：需要部位、项目和类型。", "Row {} is incomplete: it needs an area, an item and a kind.";
    InspRowNeedsUnit => "第 {} 行是测量项目，请填写单位。", "Row {} is a measurement: enter its unit.";
    InspNeedsItems => "至少填写一个检查项目。", "Enter at least one item.";
    InspTooManyItems => "一个清单最多 {} 个项目。", "A checklist holds at most {} items.";
    RatingGreen => "良好", "Good";
    RatingYellow => "注意", "Watch";
    RatingRed => "需维修", "Urgent";
    InspRatingMissing => "请选择 良好 / 注意 / 需维修。", "Choose good, watch or urgent.";
    InspValueMissing => "请填写测量值。", "Enter the measurement.";
    InspAnswerMissing => "请选择 是 或 否。", "Choose yes or no.";
    InspTooManyPhotos => "每个项目最多 {} 张照片。", "At most {} photos an item.";
    InspNotYours => "这项检测由其他技师负责。", "This inspection is another technician's.";
    InspNotDeferred => "这项建议已不是待办项目。", "This recommendation is no longer deferred.";
    InspAlreadyRecommended => "这个检测结果已经生成了建议项目。", "This finding already has a recommended line.";
    InspProgress => "已检 {} / {}", "{} of {} checked";
    InspValue => "测量值", "Measurement";
    InspNoteAndPhoto => "备注和照片", "Note and photo";
    InspStartTitle => "开始检测", "Start an inspection";
    InspStartLead => "选择一个检查清单，逐项检查。", "Choose a checklist and go through it item by item.";
    InspStartAnother => "再开始一项检测", "Start another inspection";
    InspItemCount => "{} 项", "{} items";
    InspNone => "这张工单还没有检测。", "No inspection on this order yet.";
    InspOpenFindings => "查看检测结果", "Open the findings";
    InspAttach => "添加检测", "Attach an inspection";
    InspAttachLead => "技师扫描工单二维码后在手机上填写。", "The technician fills it on the phone after scanning the order's QR.";
    InspAttached => "已添加检测。", "Inspection attached.";
    InspChecklist => "检查清单", "Checklist";
    InspAnyTechnician => "工单上的任一技师", "Any technician on the order";
    InspRecommend => "建议维修", "Recommend work";
    InspRecommendHelp => "建议的项目加到工单上，等待客户确认。工时不填单价则按工时费率。", "The recommended line goes on the order and waits for the customer's answer. Labour without a price takes the labour rate.";
    InspRecommended => "已加为建议项目，等待客户确认。", "Added as a recommended line, waiting for the customer's answer.";
    InspRecommendedLine => "建议项目", "Recommended";
    InspFromTemplate => "用保养套餐", "From a service template";
    InspByHand => "手动填写（下方）", "By hand (below)";
    InspUnrated => "还有 {} 项未检查。", "{} items not checked yet.";
    InspReport => "检测报告", "Inspection report";
    InspDeferredTitle => "待办建议", "Deferred work";
    InspDeferredLead => "以前来店时客户暂不处理的建议。", "Recommendations the customer declined at earlier visits.";
    InspDeferredAtVisit => "这辆车有 {} 项待办建议。", "This car has {} deferred recommendations.";
    InspTakeUp => "加到本工单", "Add to this order";
    InspHistory => "检测记录", "Inspections";
    InspTrends => "测量趋势", "Measurements over visits";
    // The walk-around at reception (接车环检).
    DamageScratch => "划痕", "Scratch";
    DamageDent => "凹陷", "Dent";
    DamageCrack => "裂纹", "Crack";
    DamageChip => "掉漆", "Paint chip";
    DamageBroken => "破损", "Broken part";
    DamageRust => "锈蚀", "Rust";
    DamageMissing => "缺件", "Missing part";
    LightCheckEngine => "发动机故障灯", "Check engine";
    LightAbs => "ABS 故障灯", "ABS";
    LightAirbag => "安全气囊灯", "Airbag";
    LightOilPressure => "机油压力灯", "Oil pressure";
    LightBattery => "充电指示灯", "Battery / charging";
    LightTyrePressure => "胎压报警灯", "Tyre pressure";
    LightBrake => "制动系统灯", "Brake system";
    LightCoolantTemp => "水温报警灯", "Coolant temperature";
    LightStability => "车身稳定灯", "Stability control";
    LightPowerSteering => "转向助力灯", "Power steering";
    LeftValuables => "贵重物品", "Valuables";
    LeftDocuments => "证件资料", "Documents";
    LeftSpareTyre => "备胎", "Spare tyre";
    LeftTools => "随车工具", "Tool kit";
    LeftChildSeat => "儿童座椅", "Child seat";
    LeftChargingCable => "充电线", "Charging cable";
    WalkFront => "前部", "front";
    WalkMiddle => "中部", "middle";
    WalkRear => "后部", "rear";
    WalkLeft => "左侧", "left";
    WalkCentre => "中间", "centre";
    WalkRight => "右侧", "right";
    WalkSideFront => "车头", "Front";
    WalkSideRear => "车尾", "Rear";
    WalkSideLeft => "左", "Left";
    WalkSideRight => "右", "Right";
    WalkLocked => "客户已签字，环检不能再修改；如需修改请店长重新打开。", "The customer has signed the walk-around: it can no longer change. A manager can reopen it.";
    WalkTooManyMarks => "最多标记 {} 处。", "At most {} marks.";
    WalkNoSuchMark => "没有这个标记。", "No such mark.";
    WalkTapFirst => "请先在车辆图上点出损伤的位置。", "First tap the car where the damage is.";
    WalkOffTheCar => "这个位置不在车身上，请点在车辆轮廓内。", "That spot is not on the car: tap inside the outline.";
    WalkChooseKind => "请选择损伤类型。", "Choose what kind of damage it is.";
    WalkNotSigned => "环检还没有签字。", "The walk-around is not signed.";
    WalkTitle => "接车环检", "Walk-around";
    WalkLead => "和客户一起绕车一周：在车辆图上点出已有的损伤，选择类型，需要时拍照。", "Walk around the car with the customer: tap existing damage on the car, choose its kind, take a photo if needed.";
    WalkMarkTitle => "标记损伤", "Mark a damage";
    WalkKind => "损伤类型", "Kind of damage";
    WalkSpotChosen => "已选位置，选择类型后保存。", "Spot chosen: choose the kind and save.";
    WalkSpotNone => "在车辆图上点一下损伤的位置。", "Tap the car where the damage is.";
    WalkSaveMark => "保存标记", "Save the mark";
    WalkMarks => "已标记 {} 处", "{} marks";
    WalkNoMarks => "没有标记损伤。", "No damage marked.";
    WalkRemove => "删除", "Remove";
    WalkLights => "亮起的故障灯", "Warning lights on";
    WalkNoLights => "无故障灯亮起", "No warning lights";
    WalkItemsOther => "其他物品", "Other items";
    WalkNothingLeft => "无", "Nothing";
    WalkSign => "请客户签字", "Customer signs";
    WalkSignLead => "请客户核对车辆外观、故障灯和车内物品，确认后签字。签字后环检锁定。", "Ask the customer to check the marks, the lights and the items, then sign. Once signed, the walk-around is locked.";
    WalkSigner => "签字人", "Signed by";
    WalkSignedBy => "客户 {} 签字确认 · {}", "Signed by {} · {}";
    WalkTakenBy => "经办：{}", "Taken by {}";
    WalkSignedNotice => "客户已签字，环检已锁定。", "Signed: the walk-around is locked.";
    WalkNotSignedYet => "客户尚未签字", "Not signed by the customer yet";
    WalkNone => "还没有做接车环检。", "No walk-around yet.";
    WalkStart => "开始环检", "Start the walk-around";
    WalkOpen => "打开环检", "Open the walk-around";
    WalkBackToMarks => "返回修改", "Back to the marks";
    WalkReopen => "重新打开", "Reopen";
    WalkReopenLead => "店长可填写原因重新打开环检，原签字保留在记录中。", "A manager can reopen the walk-around with a reason; the signature stays on record.";
    WalkReopened => "已重新打开：{}", "Reopened: {}";
    WalkReopenedNotice => "环检已重新打开，修改后请客户重新签字。", "Reopened: have the customer sign again after the changes.";
    WalkMileageHint => "里程在开单时录入。", "The mileage is taken when the order is opened.";
    WalkLegend => "图例", "Legend";
    // The box: uploading a backup (and below, the audit viewer).
    BackupUploadTitle => "上传备份", "Upload a backup";
    BackupUploadLead => "从另一台电脑或 U 盘上传一个 wrenchdesk 备份文件（.redb）。文件先经过检查，确认后才会恢复。", "Upload a wrenchdesk backup file (.redb) from another computer or a USB stick. It is checked first, and restored only once you confirm.";
    BackupUploadFile => "备份文件", "Backup file";
    BackupUploadSend => "上传并检查", "Upload and check";
    BackupUploadNoFile => "请选择一个备份文件。", "Choose a backup file.";
    BackupUploadNotOurs => "这个文件不是可用的 wrenchdesk 备份，已丢弃。数据没有改变。", "This file is not a usable wrenchdesk backup; it was discarded. Nothing was changed.";
    BackupWriteFailed => "文件无法写入磁盘（磁盘可能已满），已丢弃写了一半的文件。数据没有改变。", "The file could not be written to the disk (it may be full); the half-written file was removed. Nothing was changed.";
    // The box: the audit viewer's filter and each record's history.
    AuditFrom => "从（日期）", "From (date)";
    AuditTo => "到（日期）", "To (date)";
    AuditFilterApply => "筛选", "Filter";
    AuditFilterClear => "清除筛选", "Clear";
    AuditNoMatch => "没有符合条件的记录。", "No entries match.";
    AuditKeepLooking => "继续往前查找", "Look further back";
    AuditBadDate => "请按 年-月-日 填写日期，例如 2026-11-28。", "Enter a date as year-month-day, e.g. 2026-11-28.";
    RecordHistory => "修改记录", "History";
    // The reception kiosk's lock and the staff PIN.
    KioskLocked => "已锁屏", "Locked";
    KioskLockedLead => "客户资料已隐藏。点您的名字，输入 PIN 码继续。", "Customer data is hidden. Tap your name and enter your PIN to go on.";
    KioskWho => "是谁在用？", "Who is it?";
    KioskTapName => "先点您的名字。", "Tap your name first.";
    KioskPin => "PIN 码", "PIN";
    KioskUnlock => "解锁", "Unlock";
    KioskChooseName => "请先点您的名字。", "Tap your name first.";
    KioskPinWrong => "PIN 码不正确。", "That PIN is not correct.";
    KioskPinThrottled => "PIN 码错误次数过多，请 {} 秒后再试。", "Too many wrong PINs: try again in {} s.";
    KioskNoPins => "还没有员工设置 PIN 码：请退出，再用用户名和密码登录。", "No one has set a PIN yet: sign out, then sign in with a username and password.";
    KioskLockNow => "锁屏", "Lock";
    KioskLockMinutes => "前台自动锁屏（分钟）", "Kiosk lock after (minutes)";
    KioskLockMinutesHelp => "前台一体机无人操作这么久后锁屏，员工用 PIN 码解锁；0 表示不锁。", "The reception kiosk locks after this long without use; staff unlock it with their PIN. 0: never.";
    KioskLockTooLong => "须小于闲置超时（{} 分钟），否则会先退出登录。", "Must be shorter than the idle timeout ({} minutes), which would sign out first.";
    KioskDevice => "前台一体机", "Reception kiosk";
    KioskDeviceLead => "在前台一体机上登录管理员账号，点“本机是前台一体机”：只有这样标记过的浏览器会在无人操作时锁屏。换新钥匙后，所有一体机都需重新标记。", "Sign in as an administrator on the reception kiosk itself and mark it here: only a marked browser locks when left alone. A new key unmarks every kiosk.";
    KioskDeviceThis => "本浏览器是前台一体机。", "This browser is the reception kiosk.";
    KioskDeviceOther => "本浏览器不是前台一体机。", "This browser is not the reception kiosk.";
    KioskDeviceMark => "本机是前台一体机", "This device is the reception kiosk";
    KioskDeviceForget => "本机不再是一体机", "Forget this device";
    KioskDeviceRenew => "换新钥匙（取消所有一体机）", "New key (unmark every kiosk)";
    KeypadClear => "清空", "Clear";
    KeypadBackspace => "删除一位", "Delete a digit";
    PinTitle => "前台解锁 PIN 码", "Kiosk PIN";
    PinLead => "前台一体机锁屏后，用 4–8 位数字 PIN 码解锁，不必重新登录。", "Unlocks the reception kiosk when it has locked, without signing in again: 4 to 8 digits.";
    PinIsSet => "已设置 PIN 码。", "Your PIN is set.";
    PinNotSet => "尚未设置 PIN 码。", "You have no PIN yet.";
    PinNew => "新 PIN 码", "New PIN";
    PinConfirm => "再次输入 PIN 码", "PIN again";
    PinHint => "4–8 位数字，不要用 1234、0000 这类。", "4 to 8 digits, not 1234, 0000 or the like.";
    PinSet => "设置 PIN 码", "Set my PIN";
    PinChange => "更改 PIN 码", "Change my PIN";
    PinRemove => "删除我的 PIN 码", "Remove my PIN";
    PinSaved => "PIN 码已保存。", "Your PIN is saved.";
    PinRemoved => "PIN 码已删除。", "Your PIN is removed.";
    PinInvalid => "PIN 码为 4–8 位数字。", "A PIN is 4 to 8 digits.";
    PinTooSimple => "太容易猜到，请换一个（不要全相同或连续的数字）。", "Too easy to guess: choose another (not all the same or consecutive digits).";
    PinMismatch => "两次输入的 PIN 码不一致。", "The two PINs differ.";
    // What the staff see: the order page's flow, home pages, the TV board.
    NextStep => "下一步", "Next step";
    NextApproval => "请客户确认", "Ask the customer";
    NextAwaitsCheckout => "完工，等待收银结算。", "Work done: waiting for checkout.";
    NextNothing => "此工单已结束。", "This order is finished with.";
    NextOnTheFloor => "车间正在处理。", "With the workshop.";
    NextDispatch => "派工：添加工时并指定技师", "Dispatch: add labour with a technician";
    TodaysWork => "今日工作", "Today's work";
    HoursUnit => "小时", "h";
    WallDisplay => "车间电视看板", "Wall display";
    WallDisplayLead => "在车间或休息区的电视上打开下面的地址：看板全屏显示，无需员工登录。地址即钥匙，请勿外传；换新地址后旧地址立即失效。", "Open the address below on the workshop's or waiting room's TV: the board fills the screen with no staff sign-in. The address is the key: keep it to the shop. A new address retires the old one at once.";
    WallDisplayNone => "尚未设置电视看板地址。", "No wall display address yet.";
    WallDisplayWaiting => "休息区（只显示遮挡后的车牌和进度）在地址后加", "For the waiting room (masked plates and progress only) add";
    WallDisplayMake => "生成电视看板地址", "Make a wall display address";
    WallDisplayRenew => "换新地址", "New address";
    WallDisplayRevoke => "停用地址", "Revoke the address";
    WorkInShop => "在店车辆", "Cars in the shop";
    WorkAwaitingAnswer => "待客户确认", "Waiting for approval";
    WorkPromisedToday => "今日交车", "Promised today";
    WorkLate => "已超时", "Late";
    WorkReady => "待取车", "Ready for pickup";
    ToSettle => "待结算", "To settle";
    TillHome => "收银", "The till";
    StockroomHome => "配件库", "The stockroom";
    MoreActions => "其他操作", "More actions";
    WorkFinished => "工单已完工，不能再加项目或诊断；需要返工请店长重新开工。", "The work is finished: no more lines or diagnosis. A manager can reopen the order for more work.";

    // issue 16: follow-up calls
    FollowUpTitle => "回访", "Follow-up calls";
    FollowUpLead => "交车后致电客户，了解维修是否满意；未接通的次日再拨，三次未接通即结束。", "Call the customer a few days after delivery and ask how it went; nobody answering is tried again the next day, three times at most.";
    FollowUpOpen => "待回访", "To call";
    FollowUpReached => "已联系", "Reached";
    FollowUpUnreached => "未接通", "Not reached";
    FollowUpWrongNumber => "号码错误", "Wrong number";
    FollowUpOutcomeReached => "已联系", "Reached";
    FollowUpOutcomeNotReached => "未接通", "No answer";
    FollowUpOutcomeWrongNumber => "号码错误", "Wrong number";
    FollowUpOutcomeMissing => "请选择回访结果。", "Choose what came of the call.";
    FollowUpScoreMissing => "请选择满意度（1–5）。", "Choose a score from 1 to 5.";
    FollowUpFlagNeedsComment => "请写下需要店长关注的客户意见。", "Write down what the manager should know.";
    FollowUpClosed => "这次回访已结束。", "This follow-up is already closed.";
    FollowUpNotWaiting => "这条回访无需店长处理，或已处理。", "This answer does not wait for a manager, or was handled already.";
    FollowUpSummary => "回访（工单 {}）：{}", "Follow-up (order {}): {}";
    FollowUpSummaryScore => "满意度 {}/5", "score {}/5";
    FollowUpSummaryScoreComment => "满意度 {}/5，{}", "score {}/5, {}";
    FollowUpDays => "交车后几天回访", "Follow-up call, days after delivery";
    FollowUpDaysHelp => "0 表示不安排回访。", "0: no follow-up calls.";
    FollowUpDueNow => "今天该打的", "Due now";
    FollowUpComing => "接下来几天", "Coming days";
    FollowUpEmpty => "今天没有待回访的客户。", "Nobody to call today.";
    FollowUpScore => "满意度", "Satisfaction";
    FollowUpComment => "客户意见", "What they said";
    FollowUpFlag => "需店长关注", "For the manager";
    FollowUpTries => "已拨 {} 次未接通", "{} calls unanswered";
    FollowUpDeliveredOn => "{} 交车", "delivered {}";
    FollowUpSave => "保存", "Save";
    FollowUpSaved => "已记录回访结果。", "The follow-up is recorded.";
    FollowUpCount => "{} 个待回访", "{} to call";
    FollowUpUnhappyTitle => "不满意的回访", "Unhappy customers";
    FollowUpHandle => "标记已处理", "Mark handled";
    FollowUpNote => "处理说明", "What was done";
    FollowUpHandledBy => "{} 已处理：{}", "Handled by {}: {}";
    FollowUpReport => "回访统计", "Follow-up calls";
    FollowUpReportLead => "每月联系成功率与平均满意度。", "Customers reached and their average score, month by month.";
    FollowUpClosedCol => "已结束回访", "Calls closed";
    FollowUpReachedShare => "联系成功率", "Reached";
    FollowUpAverage => "平均满意度", "Average score";
    FollowUpUnhappyCol => "不满意", "Unhappy";

    // issue 18: board, homes, lists, kiosk
    VehicleSearchHint => "车牌、车架号或品牌", "Plate, VIN or make";
    SearchBy => "查找方式", "Search by";
    SearchByAny => "自动判断", "Any";
    NoVehiclesFound => "没有找到车辆。", "No vehicles found.";
    FirstPage => "第一页", "First page";
    TakingsToday => "今日收款", "Taken today";
    ReceiptsToday => "今日入库单", "Receipts today";
    FinishedToday => "今天已完成 ({})", "Finished today ({})";
    OpenJobs => "待做的活", "Jobs to do";
    NoOpenJobs => "暂时没有待做的活。", "No jobs to do right now.";

    // issue 18: order page, print, people
    PrintRepairOrder => "汽车维修委托书", "Vehicle repair order";
    PrintOrderNo => "工单号", "Order no.";
    PrintTakenIn => "接车时间", "Taken in";
    PrintCustomerAndCar => "客户与车辆", "Customer and vehicle";
    PrintMileageIn => "进厂里程", "Mileage in";
    PrintFuelIn => "进厂油量", "Fuel in";
    PrintLabour => "维修项目（工时）", "Labour";
    PrintParts => "配件", "Parts";
    PrintFees => "其他费用", "Other fees";
    PrintHours => "工时", "Hours";
    PrintRate => "工时单价", "Rate";
    HoursQty => "{} 小时", "{} h";
    PrintTerms => "委托条款", "Terms";
    PrintTermsDefault => "1. 以上维修项目及费用为预估，维修中如需增加项目或费用，本厂须经客户同意后方可进行。\n2. 客户车内贵重物品请自行保管，本厂不负保管责任。\n3. 维修完工后请在约定时间内提车并结清费用；更换的旧件如需带走请事先告知。\n4. 本厂对所修项目按国家规定提供质量保证。", "1. The lines and prices above are an estimate; no further work or cost is done without the customer's consent.\n2. Please take valuables out of the car; the shop does not keep them.\n3. Please collect the car and settle the bill at the agreed time; tell us beforehand if you want the replaced parts.\n4. Repairs carry the warranty required by law.";
    PrintTermsSetting => "打印委托书条款", "Terms on the printed order";
    PrintTermsHelp => "每行一条；留空则使用默认条款（按打印语言）。", "One per line; leave empty for the default terms (in the language printed).";
    PrintDate => "日期：", "Date:";
    PrintPickupSignature => "提车人签字", "Collected by";
    DismissForGood => "知道了，不再提示", "Got it, don't show again";
    BackupKindDaily => "每日自动备份", "Daily backup";
    BackupKindManual => "手动备份", "Manual backup";
    BackupKindUpload => "上传的备份", "Uploaded backup";
    BackupKindPrerestore => "恢复前保留", "Kept before a restore";
    AuditAppointmentBook => "预约了到店", "booked an appointment";
    AuditAppointmentConvert => "将预约转为工单", "turned an appointment into an order";
    AuditAppointmentUpdate => "修改了预约", "changed an appointment";
    AuditCareOutcome => "记录了回访结果", "recorded a follow-up outcome";
    AuditCheckoutDayEnd => "完成了日结", "closed the day's till";
    AuditCheckoutDiscount => "给了折扣", "gave a discount";
    AuditCheckoutPayment => "收了款", "took a payment";
    AuditCheckoutReceivable => "记了挂账", "put an amount on account";
    AuditCheckoutRefund => "办理了退款", "made a refund";
    AuditCheckoutVoid => "作废了一笔收款", "voided a payment";
    AuditCustomerContact => "记录了联系", "logged a contact";
    AuditCustomerCreate => "新建了客户", "added a customer";
    AuditCustomerDelete => "删除了客户", "deleted a customer";
    AuditCustomerImport => "导入了客户", "imported customers";
    AuditCustomerStatus => "更改了客户状态", "changed a customer's status";
    AuditCustomerUpdate => "修改了客户资料", "edited a customer";
    AuditExportDownload => "下载了数据导出", "downloaded the shop's export";
    AuditInspectionItem => "记录了检查项", "recorded an inspection item";
    AuditInspectionRecommend => "提出了维修建议", "recommended work";
    AuditInspectionShare => "把检查报告发给客户", "shared an inspection report";
    AuditInspectionStart => "开始了车辆检查", "started an inspection";
    AuditInspectionTakeUp => "把建议转为维修项目", "took up recommended work";
    AuditInspectionTemplateCreate => "新建了检查模板", "added an inspection template";
    AuditInspectionTemplateUpdate => "修改了检查模板", "edited an inspection template";
    AuditKioskLock => "锁定了前台终端", "locked the kiosk";
    AuditKioskUnlock => "解锁了前台终端", "unlocked the kiosk";
    AuditKioskUnlockFailed => "解锁前台终端失败", "failed to unlock the kiosk";
    AuditOrderApprove => "记录了客户确认", "recorded the customer's answer";
    AuditOrderClock => "在维修项目上打卡", "clocked on a job";
    AuditOrderCustomerLink => "更换了客户链接", "issued a new customer link";
    AuditOrderDiagnosis => "写了诊断", "wrote a diagnosis";
    AuditOrderLineAdd => "添加了项目", "added a line";
    AuditOrderLineRemove => "删除了项目", "removed a line";
    AuditOrderLineUpdate => "修改了项目", "changed a line";
    AuditOrderNote => "写了备注", "wrote a note";
    AuditOrderNoteShare => "更改了备注的客户可见", "changed whether a note is shared";
    AuditOrderOpen => "开了工单", "opened a work order";
    AuditOrderPartIssue => "领出了配件", "issued a part";
    AuditOrderPartReturn => "退回了配件", "returned a part";
    AuditOrderPartUnused => "标记配件未使用", "marked a part unused";
    AuditOrderPartRequest => "处理了配件申请", "handled a parts request";
    AuditOrderReception => "修改了接车信息", "edited the reception details";
    AuditOrderRecord => "记录了工单", "recorded an order";
    AuditOrderReprint => "重新打印了工单", "reprinted an order";
    AuditOrderStatus => "更改了工单状态", "changed an order's state";
    AuditPartCreate => "新建了配件", "added a part";
    AuditPartImport => "导入了配件", "imported parts";
    AuditPartUpdate => "修改了配件", "edited a part";
    AuditSessionLogin => "登录了", "signed in";
    AuditSessionLogout => "退出了登录", "signed out";
    AuditSettingsDisplayKey => "更改了看板显示密钥", "changed the wall display key";
    AuditSettingsKioskKey => "更改了前台终端密钥", "changed the kiosk key";
    AuditSettingsUpdate => "修改了系统参数", "changed the settings";
    AuditStockCustomerReturn => "办理了客户退件", "took back a part from a customer";
    AuditStockReceive => "办理了入库", "received stock";
    AuditStocktakeCancel => "取消了盘点", "cancelled a stocktake";
    AuditStocktakePost => "过账了盘点", "posted a stocktake";
    AuditStocktakeStart => "开始了盘点", "started a stocktake";
    AuditSupplierCreate => "新建了供应商", "added a supplier";
    AuditSupplierUpdate => "修改了供应商", "edited a supplier";
    AuditTemplateCreate => "新建了保养套餐", "added a service template";
    AuditTemplateUpdate => "修改了保养套餐", "edited a service template";
    AuditUserCreate => "新建了用户", "added a user";
    AuditUserRoles => "更改了用户角色", "changed a user's roles";
    AuditUserPasswordChange => "修改了自己的密码", "changed their password";
    AuditUserPasswordReset => "重置了用户密码", "reset a user's password";
    AuditUserPinRemove => "删除了 PIN", "removed a PIN";
    AuditUserPinSet => "设置了 PIN", "set a PIN";
    AuditUserPinChange => "更改了 PIN", "changed a PIN";
    AuditUserReactivate => "重新启用了用户", "reactivated a user";
    AuditUserDeactivate => "停用了用户", "deactivated a user";
    AuditVehicleCreate => "新建了车辆", "added a vehicle";
    AuditVehicleDelete => "删除了车辆", "deleted a vehicle";
    AuditVehicleMileage => "更新了里程", "updated the mileage";
    AuditVehicleTransfer => "办理了车辆过户", "transferred a vehicle";
    AuditVehicleUpdate => "修改了车辆资料", "edited a vehicle";
    AuditWalkaroundChecks => "记录了环车检查", "recorded walk-around checks";
    AuditWalkaroundMark => "标记了车身损伤", "marked damage on the car";
    AuditWalkaroundReopen => "重新打开了环车检查", "reopened a walk-around";
    AuditWalkaroundSign => "客户签了环车检查", "had the walk-around signed";
    AuditWalkaroundUnmark => "删除了车身标记", "removed a damage mark";
    AuditBackupRestore => "恢复了备份", "restored a backup";
    AuditSchemaMigrate => "升级了数据库结构", "upgraded the database";
    AuditRecordOrder => "工单 {}", "Order {}";
    AuditRecordCustomer => "客户 {}", "Customer {}";
    AuditRecordVehicle => "车辆 {}", "Vehicle {}";
    AuditRecordUser => "用户 {}", "User {}";
    AuditRecordPart => "配件 {}", "Part {}";
    AuditRecordAppointment => "预约 #{}", "Appointment #{}";
    AuditRecordSupplier => "供应商 #{}", "Supplier #{}";
    AuditRecordTemplate => "套餐 #{}", "Template #{}";
    AuditRecordStocktake => "盘点 #{}", "Stocktake #{}";
    AuditRecordPayment => "收款 #{}", "Payment #{}";
    AuditRecordReceipt => "入库单 #{}", "Receipt #{}";
    AuditRecordInspection => "检查 #{}", "Inspection #{}";
    AuditRecordDay => "日结 {}", "Day {}";
    AuditRecordSettings => "系统参数", "Settings";
    AuditAllPeople => "所有人", "Everyone";
    AuditRecordHistoryShort => "历史", "history";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> usize {
        s.matches("{}").count()
    }

    #[test]
    fn both_catalogs_have_every_message_with_the_same_placeholders() {
        for msg in Msg::ALL {
            let (zh, en) = (msg.text(Lang::Zh), msg.text(Lang::En));
            assert!(!zh.trim().is_empty(), "{} has no Chinese text", msg.key());
            assert!(!en.trim().is_empty(), "{} has no English text", msg.key());
            assert_eq!(
                placeholders(zh),
                placeholders(en),
                "{} has different placeholders in Chinese and English",
                msg.key()
            );
        }
    }

    #[test]
    fn chinese_texts_are_chinese() {
        // Every Chinese text has a CJK character, except the language switch, which names the
        // other language on purpose.
        // CJK ideographs or CJK punctuation (the list separator is only "、").
        let is_cjk =
            |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c);
        for msg in Msg::ALL {
            if *msg == Msg::SwitchLang {
                continue;
            }
            assert!(msg.text(Lang::Zh).chars().any(is_cjk), "{} is not translated to Chinese", msg.key());
        }
    }

    #[test]
    fn accept_language_prefers_the_highest_quality() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("fr;q=1, zh;q=0.5"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn fmt_fills_placeholders_in_order() {
        assert_eq!(Lang::En.fmt(Msg::NumberRange, &[&1, &10]), "Enter a number from 1 to 10.");
        assert_eq!(Lang::Zh.fmt(Msg::HomeGreeting, &[&"王"]), "您好，王");
    }
}
