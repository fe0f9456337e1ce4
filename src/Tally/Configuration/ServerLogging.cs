using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tally.Server;

namespace Tally.Cli.Configuration;

/// <summary>The log settings of <c>serve</c> (level and format), and how its own start-up lines are written in each format.</summary>
internal static class ServerLogging
{
    public static LogLevel ParseLevel((string Value, string Source)? setting, List<string> problems)
    {
        if (setting is not { } given)
        {
            return LogLevel.Information;
        }

        if (Enum.TryParse<LogLevel>(given.Value, ignoreCase: true, out var level) && Enum.IsDefined(level) && !int.TryParse(given.Value, out _))
        {
            return level;
        }

        problems.Add($"{given.Source} '{given.Value}': expected trace, debug, information, warning, error, critical or none.");
        return LogLevel.Information;
    }

    public static ServerLogFormat ParseFormat((string Value, string Source)? setting, List<string> problems)
    {
        switch (setting?.Value.Trim().ToLowerInvariant())
        {
            case null or "text":
                return ServerLogFormat.Text;
            case "json":
                return ServerLogFormat.Json;
            default:
                problems.Add($"{setting.Value.Source} '{setting.Value.Value}': expected text or json.");
                return ServerLogFormat.Text;
        }
    }

    /// <summary>
    /// Writes the server's start-up lines (its address, the demo, a created admin key) on stdout: as they are in text,
    /// and in JSON as entries shaped like the JSON console logger's, so that a log collector reading stdout sees only JSON.
    /// </summary>
    public static Action<string> Announcer(ServerLogFormat format) => format == ServerLogFormat.Text
        ? Console.WriteLine
        : message =>
        {
            using var line = new MemoryStream();
            using (var json = new Utf8JsonWriter(line, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("Timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteNumber("EventId", 0);
                json.WriteString("LogLevel", nameof(LogLevel.Information));
                json.WriteString("Category", "Tally");
                json.WriteString("Message", message.Trim());
                json.WriteEndObject();
            }

            Console.WriteLine(System.Text.Encoding.UTF8.GetString(line.ToArray()));
        };
}
