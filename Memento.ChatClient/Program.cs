namespace Memento.ChatClient;

public sealed class Program
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddMementoChat();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapMementoChat();

        await app.RunAsync();
    }
}
