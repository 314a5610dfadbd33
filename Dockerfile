# The Memento MCP server as a container: non-root, listening on port 8000 on all interfaces.
#   docker build -t memento-mcpserver .
#   docker run -p 8000:8000 -e Memento__Auth__Mode=ApiKey ... memento-mcpserver
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Memento.ServiceDefaults/Memento.ServiceDefaults.csproj Memento.ServiceDefaults/
COPY Memento.McpServer/Memento.McpServer.csproj Memento.McpServer/
RUN dotnet restore Memento.McpServer/Memento.McpServer.csproj
COPY Memento.ServiceDefaults/ Memento.ServiceDefaults/
COPY Memento.McpServer/ Memento.McpServer/
RUN dotnet publish Memento.McpServer/Memento.McpServer.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
# All interfaces, port 8000 (the image's default is 8080); the local default 127.0.0.1 applies only
# when no address is configured at all.
ENV ASPNETCORE_HTTP_PORTS=8000 \
    DOTNET_NOLOGO=1
EXPOSE 8000
# The image's built-in non-root "app" user (UID 1654), numeric so Kubernetes can verify runAsNonRoot.
USER 1654
ENTRYPOINT ["dotnet", "Memento.McpServer.dll"]
