using SharpFuzz;
using Tally.Fuzz;

// SharpFuzz harness. Under afl-fuzz (fuzz/run.sh):  dotnet Tally.Fuzz.dll TARGET   (input on stdin, in a loop)
// To replay inputs with the exception and its stack trace:  dotnet Tally.Fuzz.dll TARGET FILE...

if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Tally.Fuzz TARGET [FILE...]   with TARGET one of {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args[1..])
    {
        try
        {
            target(File.ReadAllBytes(file));
            Console.WriteLine($"ok     {file}");
        }
#pragma warning disable CA1031 // Replaying reports every failure, whatever it is.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failed++;
            Console.WriteLine($"CRASH  {file}: {exception}");
        }
    }

    return failed == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
