# %% [markdown]
# # 05_tribute

# %%
print(1)
