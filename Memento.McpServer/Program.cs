if (MementoCommandLine.IsCommand(args))
{
    return await MementoCommandLine.RunAsync(args);
}

// appsettings.json lives beside the dll: read from any working directory (desktop MCP hosts start us anywhere).
var builder = WebApplication.CreateBuilder(ContentRoot.Options(args));

builder.AddServiceDefaults();
builder.AddMementoServer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapMementoServer();

await app.RunAsync();
return 0;

public partial class Program;
