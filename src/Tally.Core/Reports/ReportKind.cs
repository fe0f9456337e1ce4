namespace Tally.Reports;

/// <summary>The reports of spec/reports.md, one per path under <c>/api/v2/reporting/</c>.</summary>
public enum ReportKind
{
    ChatSessions,
    ChatsFeedback,
    Tools,
    UsedDocuments,
    Users,
    UserActivities,
    Connections,
    Models,
    Satisfaction,
}
