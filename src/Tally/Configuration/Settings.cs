using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Tally.Cli.Configuration;

/// <summary>
/// Where each setting of <c>serve</c> and <c>rebuild</c> comes from, in this order of precedence: the command line, then
/// the environment (<c>TALLY_...</c>), then the configuration file, then the default. The file is the one given with
/// <c>--config</c> (or <c>TALLY_CONFIG</c>), else <c>tally.json</c> beside the executable when there is one. Every
/// problem names its source (the flag, the variable, or the file and key), and all are told at once.
/// </summary>
internal sealed class Settings
{
    public const string ConfigVariable = "TALLY_CONFIG";
    public const string DefaultFileName = "tally.json";

    private readonly ParseResult _parse;
    private readonly IReadOnlyDictionary<string, JsonElement> _file;
    private readonly string _fileName;

    private Settings(ParseResult parse, IReadOnlyDictionary<string, JsonElement> file, string fileName)
    {
        _parse = parse;
        _file = file;
        _fileName = fileName;
    }

    /// <summary>What went wrong, one line each; a command with any refuses to start (exit 2).</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The <c>--config</c> option, for the commands that read settings.</summary>
    public static Option<FileInfo?> ConfigOption() => new("--config")
    {
        Description = $"A JSON file of settings (keys as in the README's configuration table). Default: {ConfigVariable}, else {DefaultFileName} beside the executable when present. The command line and the environment win over it.",
    };

    /// <summary>Reads the configuration file; a file that is named but missing, unreadable, not JSON or holding an unknown key is a problem.</summary>
    public static Settings Load(ParseResult parse, Option<FileInfo?> config, IReadOnlyCollection<string> knownKeys)
    {
        var named = parse.GetValue(config)?.FullName ?? NonEmpty(Environment.GetEnvironmentVariable(ConfigVariable));
        var path = named ?? Path.Combine(AppContext.BaseDirectory, DefaultFileName);
        var problems = new List<string>();
        var values = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        if (named is not null || File.Exists(path))
        {
            ReadFile(path, knownKeys, values, problems);
        }

        var settings = new Settings(parse, values, Path.GetFileName(path));
        settings.Problems.AddRange(problems);
        return settings;
    }

    /// <summary>
    /// The setting as text and where it came from ("--urls", "TALLY_URLS", "tally.json: urls"), or null when it is not
    /// set anywhere. A flag's own value is taken as the command line parsed it.
    /// </summary>
    public (string Value, string Source)? Text(Option<string?> flag, string? variable, string key)
    {
        if (_parse.GetResult(flag) is { Implicit: false })
        {
            return (_parse.GetValue(flag)!, flag.Name);
        }

        return FromEnvironmentOrFile(variable, key);
    }

    /// <summary>
    /// Like <see cref="Text"/>, for a setting that is not on this command's line (or given there another way). A
    /// <paramref name="list"/> setting may also be a JSON list in the file, read comma-separated as its variable is.
    /// </summary>
    public (string Value, string Source)? FromEnvironmentOrFile(string? variable, string key, bool list = false)
    {
        if (variable is not null && NonEmpty(Environment.GetEnvironmentVariable(variable)) is { } fromEnvironment)
        {
            return (fromEnvironment, variable);
        }

        if (_file.TryGetValue(key, out var element))
        {
            var source = $"{_fileName}: {key}";
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    return (element.GetString()!, source);
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    return (element.GetRawText(), source);
                case JsonValueKind.Object:
                    // A map such as {"ingest": "500/1000"}: read as the variable would hold it, "ingest=500/1000,...".
                    return (string.Join(',', element.EnumerateObject().Select(pair => $"{pair.Name}={(pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString() : pair.Value.GetRawText())}")), source);
                case JsonValueKind.Array when list:
                    // A list such as ["10.0.0.0/8", "192.0.2.7"]: read as the variable would hold it, comma-separated.
                    return (string.Join(',', element.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText())), source);
                default:
                    Problems.Add($"{source}: expected a string, a number, true/false or an object, not {element.ValueKind.ToString().ToLowerInvariant()}.");
                    return null;
            }
        }

        return null;
    }

    /// <summary>A whole number setting: the flag's typed value, else the variable's or the file's text, else <paramref name="fallback"/>.</summary>
    public int Integer(Option<int> flag, string variable, string key, int fallback)
    {
        if (_parse.GetResult(flag) is { Implicit: false })
        {
            return _parse.GetValue(flag);
        }

        if (FromEnvironmentOrFile(variable, key) is not { } setting)
        {
            return fallback;
        }

        if (int.TryParse(setting.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Problems.Add($"{setting.Source} '{setting.Value}': expected a whole number.");
        return fallback;
    }

    /// <summary>An on/off setting: the flag when given, else <c>true</c>/<c>false</c> (or 1/0) from the variable or the file.</summary>
    public bool Switch(Option<bool> flag, string variable, string key)
    {
        if (_parse.GetResult(flag) is { Implicit: false })
        {
            return _parse.GetValue(flag);
        }

        if (FromEnvironmentOrFile(variable, key) is not { } setting)
        {
            return false;
        }

        switch (setting.Value.Trim().ToLowerInvariant())
        {
            case "true" or "1":
                return true;
            case "false" or "0":
                return false;
            default:
                Problems.Add($"{setting.Source} '{setting.Value}': expected true or false.");
                return false;
        }
    }

    private static void ReadFile(string path, IReadOnlyCollection<string> knownKeys, Dictionary<string, JsonElement> values, List<string> problems)
    {
        var name = Path.GetFileName(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problems.Add($"--config: cannot read {path}: {exception.Message}");
            return;
        }
        catch (JsonException exception)
        {
            problems.Add($"{name} is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).");
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{name} must hold one JSON object of settings, such as {{\"urls\": \"http://0.0.0.0:8080\"}}.");
                return;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                // A misspelt key is an operator's mistake that would otherwise be silently ignored.
                if (!knownKeys.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{name}: unknown setting '{property.Name}'; the settings are {string.Join(", ", knownKeys)}.");
                }
                else if (!values.TryAdd(property.Name, property.Value.Clone()))
                {
                    problems.Add($"{name}: the setting '{property.Name}' is given twice.");
                }
            }
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
