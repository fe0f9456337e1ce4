namespace Tally.Benchmarking;

/// <summary>The benchmarks' throwaway data folders (compiled into each benchmark program).</summary>
internal static class ScratchFolders
{
    /// <summary>Deletes a folder; a failure is a warning, never the end of a run whose figures are already in.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not delete {directory}: {exception.Message}");
        }
    }
}
