using Memento.McpServer.Errors;
using Memento.McpServer.Storage;

namespace Memento.McpServer.Tools;

/// <summary>Turns the store's exceptions into refusals a model can act on, without paths or stack traces.</summary>
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
            throw new RefusalException(RefusalCode.InvalidArgument, ex.Message, ex);
        }
        catch (MemoryNotFoundException ex)
        {
            throw ToolInput.NotFound(ex.Id);
        }
        catch (StorageUnavailableException ex)
        {
            throw new RefusalException(RefusalCode.Unavailable, "The memory storage cannot take writes right now; try again later.", ex);
        }
    }

    /// <summary>The audit outcome of a failed operation, from the exception's type and code.</summary>
    public static string Outcome(Exception ex) => ex switch
    {
        RefusalException refusal => refusal.AuditOutcome,
        OperationCanceledException => "cancelled",
        _ => "failed",
    };
}
