using Memento.McpServer.Storage;
using ModelContextProtocol;

namespace Memento.McpServer.Tools;

/// <summary>Turns the store's exceptions into tool errors a model can act on, without paths or stack traces.</summary>
internal static class StoreErrors
{
    public static async Task<T> Run<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (MemoryValidationException ex)
        {
            throw new McpException(ex.Message);
        }
        catch (MemoryNotFoundException ex)
        {
            throw ToolInput.NotFound(ex.Id);
        }
        catch (StorageUnavailableException)
        {
            throw new McpException("The memory storage cannot take writes right now; try again later.");
        }
    }

    /// <summary>The audit outcome for an exception thrown by <see cref="Run{T}"/>.</summary>
    public static string Outcome(Exception ex) => ex switch
    {
        McpException when ex.Message.StartsWith("No memory with id", StringComparison.Ordinal) => "not_found",
        McpException when ex.Message.StartsWith("The memory storage", StringComparison.Ordinal) => "unavailable",
        McpException => "refused",
        OperationCanceledException => "cancelled",
        _ => "failed",
    };
}
