using System.Net.Http.Headers;
using Azure.Core;
using Azure.Identity;
using Memento.ChatClient.Agent;
using Microsoft.Extensions.Options;

namespace Memento.ChatClient.Mcp;

/// <summary>
/// Adds <c>Authorization: Bearer</c> to requests for the Memento server: the API key or a configured token as is, or an
/// Entra ID token for <see cref="ChatClientOptions.ServerScope"/> from <c>DefaultAzureCredential</c>,
/// renewed shortly before it expires.
/// </summary>
internal sealed class ServerAuthHandler(IOptions<ChatClientOptions> options) : DelegatingHandler
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TokenCredential? _credential;
    private AccessToken _token;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }
        else if (!string.IsNullOrWhiteSpace(settings.AccessToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.AccessToken);
        }
        else if (!string.IsNullOrWhiteSpace(settings.ServerScope))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await GetTokenAsync(settings.ServerScope, cancellationToken));
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<string> GetTokenAsync(string scope, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token.Token is null || _token.ExpiresOn < DateTimeOffset.UtcNow.AddMinutes(5))
            {
                _credential ??= new DefaultAzureCredential();
                _token = await _credential.GetTokenAsync(new TokenRequestContext([scope]), cancellationToken);
            }

            return _token.Token;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }
}
