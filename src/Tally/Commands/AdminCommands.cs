using System.CommandLine;
using System.Globalization;
using Tally.Client;

namespace Tally.Cli.Commands;

/// <summary><c>tally keys ...</c> and <c>tally companies ...</c>: the admin API of a running server.</summary>
internal static class AdminCommands
{
    public static Command Keys()
    {
        var name = new Option<string>("--name") { Description = "What the key is for.", Required = true };
        var role = new Option<string>("--role") { Description = "instance_admin, company_admin or ingest.", Required = true };
        role.AcceptOnlyFromAmong("instance_admin", "company_admin", "ingest");
        var company = new Option<long?>("--company") { Description = "The company the key is bound to." };
        var create = new Command("create", "Create an API key and print its secret (shown once).") { name, role, company };
        create.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            var key = await client.CreateKeyAsync(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(company), cancellationToken);
            Console.WriteLine($"Created key {key.Id} ({key.Role}{(key.CompanyId is { } c ? $", company {c}" : "")}). Its secret, shown this once:");
            Console.WriteLine(key.Key);
        }));

        var list = new Command("list", "List API keys (never their secrets).");
        list.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            var keys = await client.ListKeysAsync(cancellationToken);
            Console.WriteLine($"{"ID",-6} {"ROLE",-15} {"COMPANY",-8} {"CREATED",-20} {"LAST USED",-20} {"REVOKED",-20} NAME");
            foreach (var k in keys)
            {
                Console.WriteLine($"{k.Id,-6} {k.Role,-15} {k.CompanyId?.ToString(CultureInfo.InvariantCulture) ?? "-",-8} {Time(k.CreatedAt),-20} {Time(k.LastUsedAt),-20} {Time(k.RevokedAt),-20} {k.Name}");
            }
        }));

        var id = new Argument<long>("id") { Description = "The key's id (see tally keys list)." };
        var revoke = new Command("revoke", "Revoke an API key; it stops working at once.") { id };
        revoke.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            await client.RevokeKeyAsync(parse.GetValue(id), cancellationToken);
            Console.WriteLine($"Key {parse.GetValue(id)} is revoked.");
        }, $"No API key with id {parse.GetValue(id)}."));

        return new Command("keys", "Manage API keys of a running server.") { ServerConnection.Url, ServerConnection.Key, create, list, revoke };
    }

    public static Command Companies()
    {
        var id = new Argument<long>("id") { Description = "The company's id, as the platform sends it." };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var timeZone = new Option<string?>("--timezone") { Description = "IANA time zone, e.g. Europe/Paris." };
        var set = new Command("set", "Create or update a company.") { id, name, timeZone };
        set.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            var company = await client.SetCompanyAsync(parse.GetValue(id), parse.GetValue(name), parse.GetValue(timeZone), cancellationToken);
            Console.WriteLine($"Company {company.Id}: {company.Name} ({company.Timezone})");
        }));

        var list = new Command("list", "List companies.");
        list.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            // Fetched before the header is printed: a refusal must not follow a table's first line.
            var companies = await client.ListCompaniesAsync(cancellationToken);
            Console.WriteLine($"{"ID",-8} {"TIME ZONE",-24} {"CREATED",-20} NAME");
            foreach (var c in companies)
            {
                Console.WriteLine($"{c.Id,-8} {c.Timezone,-24} {Time(c.CreatedAt),-20} {c.Name}");
            }
        }));

        return new Command("companies", "Manage companies of a running server.") { ServerConnection.Url, ServerConnection.Key, set, list };
    }

    public static Command Prices()
    {
        var model = new Argument<string>("model") { Description = "The model's name, as events carry it." };
        var from = new Option<DateOnly>("--from") { Description = "The entry's first day (YYYY-MM-DD), in each company's time zone.", Required = true };
        var currency = new Option<string>("--currency") { Description = "Three upper-case letters, e.g. EUR; every entry has the same.", Required = true };
        var input = new Option<decimal>("--input") { Description = "Price per million input tokens (0 to 1000000, at most 6 decimals).", Required = true };
        var output = new Option<decimal>("--output") { Description = "Price per million output tokens (0 to 1000000, at most 6 decimals).", Required = true };
        var set = new Command("set", "Create or replace a model's price from a day on.") { model, from, currency, input, output };
        set.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            var price = await client.SetPriceAsync(parse.GetValue(model)!, parse.GetValue(from), parse.GetValue(currency)!,
                parse.GetValue(input), parse.GetValue(output), cancellationToken);
            Console.WriteLine($"{price.Model} from {Day(price.EffectiveFrom)}: {Amount(price.InputPerMillion)} {price.Currency} per million input tokens, {Amount(price.OutputPerMillion)} per million output tokens.");
        }));

        var list = new Command("list", "List the model prices, by model then first day.");
        list.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            var prices = await client.ListPricesAsync(cancellationToken);
            Console.WriteLine($"{"FROM",-10} {"CURRENCY",-8} {"INPUT/M",14} {"OUTPUT/M",14} MODEL");
            foreach (var p in prices)
            {
                Console.WriteLine($"{Day(p.EffectiveFrom),-10} {p.Currency,-8} {Amount(p.InputPerMillion),14} {Amount(p.OutputPerMillion),14} {p.Model}");
            }
        }));

        var deleteFrom = new Option<DateOnly>("--from") { Description = "The first day of the entry to delete (YYYY-MM-DD).", Required = true };
        var delete = new Command("delete", "Delete a model's price entry.") { model, deleteFrom };
        delete.SetAction((parse, cancellationToken) => RunAsync(parse, async client =>
        {
            await client.DeletePriceAsync(parse.GetValue(model)!, parse.GetValue(deleteFrom), cancellationToken);
            Console.WriteLine($"Deleted the price of {parse.GetValue(model)} from {Day(parse.GetValue(deleteFrom))}.");
        }, $"{parse.GetValue(model)} has no price entry from {Day(parse.GetValue(deleteFrom))}."));

        return new Command("prices", "Manage the model prices of a running server.") { ServerConnection.Url, ServerConnection.Key, set, list, delete };
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Amount(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);

    private static Task<int> RunAsync(ParseResult parse, Func<TallyAdminClient, Task> action, string? notFound = null) =>
        ServerConnection.RunAsync(parse, async options =>
        {
            using var client = new TallyAdminClient(options);
            await action(client);
        }, notFound);

    private static string Time(DateTime? value) =>
        value?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-";
}
