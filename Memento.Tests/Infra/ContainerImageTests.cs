using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// The server's container image definition: it publishes the server, runs as a numeric non-root user
/// and listens on port 8000 on all interfaces, matching the Kubernetes Deployment. (Building the image
/// needs a container engine; `docker build .` is in docs/deploy.md.)
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly string[] Lines =
        [.. File.ReadAllLines(Path.Combine(RepoPaths.Root, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [Fact]
    public void Final_stage_runs_the_server_as_a_numeric_non_root_user()
    {
        // Act
        var final = Lines.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal)).ToList();
        var user = final.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..];

        // Assert
        Assert.NotEmpty(final);
        Assert.True(long.TryParse(user, out var uid) && uid > 0, $"USER {user} must be a numeric non-root id");
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"Memento.McpServer.dll\"]", final[^1]);
        Assert.Contains(Lines, l => l.StartsWith("RUN dotnet publish Memento.McpServer/Memento.McpServer.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public void Listens_on_port_8000_on_all_interfaces()
    {
        // Act
        var text = string.Join('\n', Lines);

        // Assert: ASPNETCORE_HTTP_PORTS binds every interface; the image default (8080) is replaced.
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8000", text, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8000", Lines);
        Assert.DoesNotContain("ASPNETCORE_URLS", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Copies_every_project_the_server_depends_on()
    {
        // Arrange: the server project and, transitively, every project it references.
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(RepoPaths.Root, "Memento.McpServer", "Memento.McpServer.csproj")]);
        while (pending.TryPop(out var project))
        {
            if (projects.Add(Path.GetFileNameWithoutExtension(project)))
            {
                foreach (var reference in System.Xml.Linq.XDocument.Load(project).Descendants("ProjectReference"))
                {
                    var include = ((string)reference.Attribute("Include")!).Replace('\\', Path.DirectorySeparatorChar);
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include)));
                }
            }
        }

        // Assert: the restore layer has each project file, the build layer its sources.
        Assert.All(projects, name =>
        {
            Assert.Contains($"COPY {name}/{name}.csproj {name}/", Lines);
            Assert.Contains($"COPY {name}/ {name}/", Lines);
        });
    }

    [Fact]
    public void Build_context_keeps_local_state_out_of_the_image()
    {
        // Act
        var ignored = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"));

        // Assert
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains(".env", ignored);
        Assert.Contains(".memento-data/", ignored);
    }
}
