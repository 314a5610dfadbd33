using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Memento.ChatClient.Mcp;

/// <summary>
/// The TLS trust for the connection to the Memento server: the system's roots, or, when
/// <c>Memento:Chat:ServerCertificate</c> names a PEM file, only the certificates in it (a private CA,
/// or the server's own self-signed certificate). The host name is checked either way.
/// </summary>
internal static class ServerTrust
{
    public static SocketsHttpHandler CreateHandler(string? certificateFile)
    {
        var handler = new SocketsHttpHandler();
        if (string.IsNullOrWhiteSpace(certificateFile))
        {
            return handler;
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(certificateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"Memento:Chat:ServerCertificate ({certificateFile}) could not be read as PEM certificates: {e.Message}", e);
        }

        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"Memento:Chat:ServerCertificate ({certificateFile}) holds no certificate.");
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A private CA publishes no revocation list the client could reach.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(roots);
        handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        return handler;
    }
}
