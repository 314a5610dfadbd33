namespace Memento.ChatClient;

/// <summary>
/// The seed's <c>.env</c> file: <c>KEY=value</c> lines in the working directory (or the file named by
/// <c>MEMENTO_ENV_FILE</c>) become environment variables before configuration is read. Variables already
/// set in the environment win.
/// </summary>
public static class DotEnvFile
{
    /// <summary>Loads the file when it exists; returns its path, or null when there was none.</summary>
    public static string? LoadIfPresent()
    {
        var path = Environment.GetEnvironmentVariable("MEMENTO_ENV_FILE") is { Length: > 0 } named
            ? named
            : Path.Combine(Directory.GetCurrentDirectory(), ".env");
        if (!File.Exists(path))
        {
            return null;
        }

        DotNetEnv.Env.NoClobber().Load(path);
        return path;
    }
}
