using Memento.ChatClient.Terminal;

namespace Memento.ChatClient;

public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        DotEnvFile.LoadIfPresent();

        if (args is ["chat", ..])
        {
            return await TerminalChat.RunAsync(args[1..]);
        }

        // The page and appsettings.json live beside the dll: found from any working directory.
        var builder = WebApplication.CreateBuilder(ContentRoot.Options(args));

        builder.AddServiceDefaults();
        builder.AddMementoChat();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapMementoChat();

        await app.RunAsync();
        return 0;
    }
}
