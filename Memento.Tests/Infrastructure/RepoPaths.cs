namespace Memento.Tests.Infrastructure;

/// <summary>Locates the repository and the build outputs of the projects the tests start as processes.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the test assembly itself was built with.</summary>
    public static string Configuration { get; } =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The built assembly of a project in this repository, e.g. <c>Memento.McpServer</c>.</summary>
    public static string ProjectDll(string project)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{project} is not built at {path}; build the solution before running the tests.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Memento.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Memento.sln not found above " + AppContext.BaseDirectory);
    }
}
