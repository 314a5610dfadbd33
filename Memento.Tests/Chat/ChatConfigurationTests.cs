using Memento.ChatClient.Agent;
using Memento.ChatClient.Mcp;
using Memento.ChatClient;
using Memento.ChatClient.Providers;
using Memento.McpServer.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Memento.Tests.Chat;

/// <summary>How the chat client finds its server and picks its model from configuration (DESIGN.md section 9).</summary>
public sealed class ChatConfigurationTests
{
    public static TheoryData<string, string, string> Servers => new()
    {
        { "", "http://127.0.0.1:8000/mcp", "default" },
        { "services:mcpserver:http:0=http://localhost:5123", "http://localhost:5123/mcp", "services__mcpserver__http__0" },
        { "services:mcpserver:https:0=https://memento.internal:8443/", "https://memento.internal:8443/mcp", "services__mcpserver__https__0" },
        { "MCP_SERVER_HOSTNAME=20.1.2.3", "http://20.1.2.3:8000/mcp", "MCP_SERVER_HOSTNAME/MCP_SERVER_PORT" },
        { "MCP_SERVER_HOSTNAME=20.1.2.3|MCP_SERVER_PORT=9000", "http://20.1.2.3:9000/mcp", "MCP_SERVER_HOSTNAME/MCP_SERVER_PORT" },
        { "Memento:Chat:ServerUrl=http://10.0.0.5:8000/custom/mcp|services:mcpserver:http:0=http://localhost:5123", "http://10.0.0.5:8000/custom/mcp", "Memento:Chat:ServerUrl" },
        { "services:mcpserver:http:0=http://localhost:5123|MCP_SERVER_HOSTNAME=20.1.2.3", "http://localhost:5123/mcp", "services__mcpserver__http__0" },
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public void Finds_the_server(string settings, string endpoint, string source)
    {
        var address = ServerAddress.Resolve(Configuration(settings));

        Assert.Equal(new Uri(endpoint), address.Endpoint);
        Assert.Equal(source, address.Source);
    }

    public static TheoryData<string, string, string> Providers => new()
    {
        { "", "offline", "the built-in offline engine (no model configured)" },
        { "ConnectionStrings:openai=Endpoint=https://memento.openai.azure.com/;Key=abc", "azure", "Azure OpenAI at memento.openai.azure.com, deployment gpt-4o-mini, API key" },
        { "ConnectionStrings:openai=Endpoint=https://memento.openai.azure.com/", "azure", "Azure OpenAI at memento.openai.azure.com, deployment gpt-4o-mini, Entra ID" },
        { "AZURE_OPENAI_ENDPOINT=https://seed.openai.azure.com/|AZURE_OPENAI_API_KEY=k|Memento:Chat:Deployment=gpt-4.1", "azure", "Azure OpenAI at seed.openai.azure.com, deployment gpt-4.1, API key" },
        { "Memento:Chat:OpenAIEndpoint=http://127.0.0.1:11434/v1|Memento:Chat:OpenAIModel=llama3.2", "openai", "OpenAI-compatible endpoint http://127.0.0.1:11434/v1, model llama3.2" },
        { "Memento:Chat:Provider=offline|AZURE_OPENAI_ENDPOINT=https://seed.openai.azure.com/", "offline", "the built-in offline engine (no model configured)" },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public void Picks_the_model_provider(string settings, string kind, string description)
    {
        var configuration = Configuration(settings);
        var options = configuration.GetSection(ChatClientOptions.Section).Get<ChatClientOptions>() ?? new ChatClientOptions();

        var provider = ChatProviderFactory.Create(configuration, options, new FixedClock(FixedClock.Wednesday), TimeZoneInfo.Utc);

        Assert.Equal(kind, provider.Info.Kind);
        Assert.Equal(description, provider.Info.Description);
    }

    [Fact]
    public void The_system_prompt_gives_the_date_and_time_zone()
    {
        var prompt = SystemPrompt.For(FixedClock.Wednesday, TimeZoneInfo.Utc, "alice");

        Assert.Contains("Today is Wednesday 18 November 2026, local time 15:30", prompt);
        Assert.Contains("time zone UTC (UTC+00:00)", prompt);
        Assert.Contains("e.g. 2026-11-18T00:00:00+00:00", prompt);
        Assert.Contains("alice", prompt);
    }

    [Fact]
    public void The_system_prompt_tells_a_model_how_follow_ups_the_trash_and_plain_edits_work()
    {
        var prompt = SystemPrompt.For(FixedClock.Wednesday, TimeZoneInfo.Utc, "alice");

        Assert.Contains("\"the second one\", \"2nd\"", prompt);
        Assert.Contains("\"the one about Dana\"", prompt);
        Assert.Contains("never search for the words \"second\" or \"it\"", prompt);
        Assert.Contains("Before deleting more than one memory, or a memory picked by position", prompt);
        Assert.Contains("list_trash", prompt);
        Assert.Contains("restore_memory", prompt);
        Assert.Contains("\"change X to Y in <memory>\" edits only that part", prompt);
        Assert.Contains("only English is supported for now", prompt);
    }

    [Theory]
    [InlineData("bob\n", false)]
    [InlineData("a..b", false)]
    [InlineData("bob.", false)]
    [InlineData("con", false)]
    [InlineData("com1.notes", false)]
    [InlineData("Bob", false)]
    [InlineData("alice", true)]
    [InlineData("a.b_c-1", true)]
    public void The_chat_client_holds_its_user_id_to_the_servers_rule(string user, bool valid)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Memento:Chat:User"] = user,
            ["Memento:Chat:Provider"] = "offline",
            ["Memento:Chat:ServerUrl"] = "http://127.0.0.1:9/mcp",
        });
        builder.AddMementoChatCore();
        using var host = builder.Build();

        var error = Record.Exception(() => host.Services.GetRequiredService<IOptions<ChatClientOptions>>().Value);

        Assert.Equal(valid, UserIds.IsValid(user));
        if (valid)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains("Memento:Chat:User must be a valid user id", Assert.IsType<OptionsValidationException>(error).Message, StringComparison.Ordinal);
        }
    }

    private static IConfiguration Configuration(string settings) => new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(kv => KeyValuePair.Create(kv[0], (string?)kv[1])))
        .Build();
}
