if (MementoCommandLine.IsCommand(args))
{
    return await MementoCommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMementoServer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapMementoServer();

await app.RunAsync();
return 0;

public partial class Program;
