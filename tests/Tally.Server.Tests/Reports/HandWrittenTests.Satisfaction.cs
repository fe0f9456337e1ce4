namespace Tally.Server.Tests.Reports;

/// <summary>
/// The satisfaction report of the Acme events written out in full. Ratings on the 30th (Paris): user 7's dislike of
/// r-1 (answered by model-a, listing document 12 twice; the resent e05 naming model-z is a duplicate) and user 8's
/// like of r-3 (model-a, document 13). No tool call carries a response id.
/// </summary>
public abstract partial class HandWrittenTests
{
    [Fact]
    public async Task Satisfaction_by_day_in_full()
    {
        var dates = (await GetAsync("satisfaction"))["reporting"]![0]!["dates"]!;
        dates.ShouldMatch(JsonCompare.Parse("""
            [
              {"date": "2025-03-29", "likes_count": 0, "dislikes_count": 0, "satisfaction_rate": null, "by_model": [], "by_tool": [], "by_document": []},
              {"date": "2025-03-30", "likes_count": 1, "dislikes_count": 1, "satisfaction_rate": 0.5,
               "by_model": [{"model": "model-a", "likes_count": 1, "dislikes_count": 1, "satisfaction_rate": 0.5}],
               "by_tool": [],
               "by_document": [
                 {"document_id": 12, "document_filename": "policy.pdf", "document_title": "Travel policy", "likes_count": 0, "dislikes_count": 1, "satisfaction_rate": 0.0},
                 {"document_id": 13, "document_filename": "notes.txt", "document_title": null, "likes_count": 1, "dislikes_count": 0, "satisfaction_rate": 1.0}]},
              {"date": "2025-03-31", "likes_count": 0, "dislikes_count": 0, "satisfaction_rate": null, "by_model": [], "by_tool": [], "by_document": []}
            ]
            """), "satisfaction");
        dates[0]!.AsObject().ContainsKey("end_date").ShouldBeFalse();
    }

    [Fact]
    public async Task Satisfaction_csv_by_week_has_end_dates_and_one_row_per_entry()
    {
        // 2025-03-29 and 30 are the end of one ISO week, the 31st a Monday.
        (await CsvAsync("satisfaction", Range + "&granularity=week")).ShouldBe(
            "company_id,company_name,date,end_date,dimension,model,tool_name,tool_type,document_id,document_filename,document_title,likes_count,dislikes_count,satisfaction_rate\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2025-03-30,total,,,,,,,1,1,0.5\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2025-03-30,model,model-a,,,,,,1,1,0.5\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2025-03-30,document,,,,12,policy.pdf,Travel policy,0,1,0.0\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2025-03-30,document,,,,13,notes.txt,,1,0,1.0\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,2025-03-31,total,,,,,,,0,0,\r\n");
    }
}
