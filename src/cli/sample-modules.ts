// The demo's sample CRM, declared once with defineModule: Leads (every common data type),
// Accounts, and the users who own the records (the target of Owner lookups).

import { defineModule, lookup, multiselectpicklist, ownerlookup, picklist } from "../index.js";

export const LEAD_SOURCES = ["Advertisement", "Cold Call", "Employee Referral", "External Referral", "Online Store", "Partner", "Public Relations", "Seminar Partner", "Trade Show", "Web Download", "Web Research", "Chat"] as const;
export const LEAD_STATUSES = ["New", "Attempted to Contact", "Contact in Future", "Contacted", "Pre-Qualified", "Qualified", "Not Qualified", "Lost Lead", "Junk Lead"] as const;
export const INDUSTRIES = ["ASP (Application Service Provider)", "Data/Telecom OEM", "ERP (Enterprise Resource Planning)", "Government/Military", "Large Enterprise", "Management ISV", "MSP (Management Service Provider)", "Network Equipment Enterprise", "Non-management ISV", "Optical Networking", "Service Provider", "Small/Medium Enterprise", "Storage Equipment", "Storage Service Provider", "Systems Integrator", "Wireless Industry"] as const;
export const RATINGS = ["Acquired", "Active", "Market Failed", "Project Cancelled", "Shut Down"] as const;
export const PRODUCTS = ["CRM", "Analytics", "Desk", "Books", "Campaigns", "Projects", "Social", "SalesIQ"] as const;

export const Users = defineModule("users", {
  first_name: "text",
  last_name: "text",
  full_name: "text",
  email: "email",
  role: picklist(["CEO", "Manager", "Sales Representative"]),
  status: picklist(["active", "inactive"]),
});

export const Accounts = defineModule("Accounts", {
  Account_Name: "text",
  Website: "website",
  Phone: "phone",
  Industry: picklist(INDUSTRIES),
  Employees: "integer",
  Annual_Revenue: "currency",
  Billing_City: "text",
  Billing_Country: "text",
  Owner: ownerlookup({ first_name: "text", last_name: "text", email: "email" }),
  Created_Time: "datetime",
});

export const Leads = defineModule("Leads", {
  Lead_Number: "autonumber",
  First_Name: "text",
  Last_Name: "text",
  Company: "text",
  Designation: "text",
  Email: "email",
  Secondary_Email: "email",
  Phone: "phone",
  Mobile: "phone",
  Website: "website",
  Lead_Source: picklist(LEAD_SOURCES),
  Lead_Status: picklist(LEAD_STATUSES),
  Industry: picklist(INDUSTRIES),
  Rating: picklist(RATINGS),
  Products_of_Interest: multiselectpicklist(PRODUCTS),
  No_of_Employees: "integer",
  Annual_Revenue: "currency",
  Win_Probability: "percent",
  Lead_Score: "double",
  Email_Opt_Out: "boolean",
  Follow_Up_Date: "date",
  Created_Time: "datetime",
  Last_Activity_Time: "datetime",
  City: "text",
  State: "text",
  Country: "text",
  Description: "textarea",
  Owner: ownerlookup({ first_name: "text", last_name: "text", email: "email" }),
  Account: lookup("Accounts", { Account_Name: "text", Phone: "phone" }),
});

export const SAMPLE_MODULES = [Leads, Accounts, Users] as const;
