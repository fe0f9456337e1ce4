namespace Tally.Reports;

/// <summary>The reports of spec/reports.md, by their path under <c>/api/v2/reporting/</c>.</summary>
public enum ReportKind
{
    ChatSessions,
    ChatsFeedback,
    Tools,
    UsedDocuments,
    Users,
    UserActivities,
    Connections,
}

public static class ReportKinds
{
    public static readonly IReadOnlyList<ReportKind> All = Enum.GetValues<ReportKind>();

    public static string Path(ReportKind kind) => kind switch
    {
        ReportKind.ChatSessions => "chat-sessions",
        ReportKind.ChatsFeedback => "chats-feedback",
        ReportKind.Tools => "tools",
        ReportKind.UsedDocuments => "used-documents",
        ReportKind.Users => "users",
        ReportKind.UserActivities => "user-activities",
        ReportKind.Connections => "connections",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
