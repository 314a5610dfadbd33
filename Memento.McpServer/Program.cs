var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMementoServer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapMementoServer();

app.Run();

public partial class Program;
