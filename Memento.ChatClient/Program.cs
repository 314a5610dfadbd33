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

        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddMementoChat();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapMementoChat();

        await app.RunAsync();
        return 0;
    }
}
